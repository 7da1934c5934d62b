/**
 * Keys the user imported (src/app/imported-keys.ts) on the IndexedDB store
 * (fake-indexeddb): stored as PEM and parsed again when loaded, so a record
 * whose PEM is not the key its fingerprint names — or no key at all — is
 * counted as unreadable, never trusted.
 */
import 'fake-indexeddb/auto';
import { createStore, set, type UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { encodePem, type KeyType } from '../../src/core/keys/index.ts';
import { importKey, loadImportedKeys, removeImportedKey } from '../../src/app/imported-keys.ts';
import { idbImportedKeyStore, type ImportedKeyStore } from '../../src/store/trusted-keys-idb.ts';
import { testKey } from '../helpers/keys.ts';

let dbCount = 0;
function keyDb(): { db: UseStore; store: ImportedKeyStore } {
  const db = createStore(`fieldflash-imported-keys-test-${++dbCount}`, 'keys');
  return { db, store: idbImportedKeyStore(db) };
}

const TYPES: KeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-2048'];

describe('imported keys', () => {
  it.each(TYPES)('a confirmed %s key is stored and loads back as the same key', async (type) => {
    const { store } = keyDb();
    const key = testKey(type).trusted;
    await importKey(key, store);
    const { keys, unreadable } = await loadImportedKeys(store);
    expect(unreadable).toBe(0);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      name: key.name,
      type,
      fingerprint: key.fingerprint,
      keyId: key.keyId,
    });
    expect(keys[0]?.spki).toEqual(key.spki);
    // Stored as readable PEM, not as the parsed object.
    const [record] = (await store.list()).keys;
    expect(record?.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(record?.fingerprint).toBe(key.fingerprint);
  });

  it('keeps several keys, and removes one', async () => {
    const { store } = keyDb();
    const ed = testKey('ed25519').trusted;
    const ec = testKey('ecdsa-p256').trusted;
    await importKey(ed, store);
    await importKey(ec, store);
    expect((await loadImportedKeys(store)).keys.map((k) => k.fingerprint).sort()).toEqual(
      [ed.fingerprint, ec.fingerprint].sort(),
    );
    await removeImportedKey(ed, store);
    const { keys, unreadable } = await loadImportedKeys(store);
    expect(keys.map((k) => k.fingerprint)).toEqual([ec.fingerprint]);
    expect(unreadable).toBe(0);
  });

  it('a record whose PEM is not the key its fingerprint names is unreadable, not trusted', async () => {
    const { store } = keyDb();
    const trusted = testKey('ed25519').trusted;
    const other = testKey('ecdsa-p256').trusted;
    await importKey(trusted, store);
    // The record names one fingerprint but holds another key's PEM.
    await store.add({
      schema: 1,
      name: 'swapped',
      pem: encodePem('PUBLIC KEY', other.spki),
      fingerprint: 'f'.repeat(64),
      addedAt: 1,
    });
    const { keys, unreadable } = await loadImportedKeys(store);
    expect(keys.map((k) => k.fingerprint)).toEqual([trusted.fingerprint]);
    expect(unreadable).toBe(1);
    expect(keys.some((k) => k.fingerprint === other.fingerprint)).toBe(false);
  });

  it('a PEM that is not a key, and a record of a newer schema, are counted unreadable', async () => {
    const { db, store } = keyDb();
    const key = testKey('ed25519').trusted;
    await importKey(key, store);
    await store.add({
      schema: 1,
      name: 'broken',
      pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      fingerprint: 'e'.repeat(64),
      addedAt: 2,
    });
    await set(
      `key:${'d'.repeat(64)}`,
      {
        schema: 2,
        name: 'newer',
        pem: encodePem('PUBLIC KEY', key.spki),
        fingerprint: key.fingerprint,
        addedAt: 3,
      },
      db,
    );
    const { keys, unreadable } = await loadImportedKeys(store);
    expect(keys.map((k) => k.name)).toEqual([key.name]);
    expect(unreadable).toBe(2);
  });
});
