/**
 * The browser's small IndexedDB stores (on fake-indexeddb): imported keys,
 * the firmware cache and the release feed state. Each keeps records of a
 * schema it cannot read (a newer app's) untouched and counts them, never
 * returns them; and a full disk arrives as StorageFullError.
 */
import 'fake-indexeddb/auto';
import { createStore, get, keys, set, type UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import type { Release } from '../../src/core/feed/index.ts';
import { StorageFullError, StorageUnavailableError } from '../../src/store/errors.ts';
import { idbFeedStateStore, type StoredFeed } from '../../src/store/feed-state-idb.ts';
import { idbFirmwareCache, type CachedFirmware } from '../../src/store/firmware-cache-idb.ts';
import { idbImportedKeyStore, type ImportedKeyRecord } from '../../src/store/trusted-keys-idb.ts';

let dbCount = 0;
/** A fresh database per test, shared by the store under test and raw access. */
const freshDb = (store: string): UseStore =>
  createStore(`fieldflash-browser-stores-${++dbCount}`, store);

/** A UseStore whose every use fails as a full browser storage does. */
const fullDb: UseStore = () => {
  throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
};
/** A UseStore whose transaction is refused asynchronously (the database closed under us). */
const closedDb: UseStore = () =>
  Promise.reject(new DOMException('The database connection is closing.', 'InvalidStateError'));

/**
 * The real database `db`, except that a put under a key `full` picks makes
 * the browser abort the whole transaction with QuotaExceededError, as a full
 * disk does (asynchronously, after the earlier puts were queued).
 */
function quotaWhen(db: UseStore, full: (key: string) => boolean): UseStore {
  return (mode, callback) =>
    db(mode, (store) => {
      const put = store.put.bind(store);
      store.put = (value: unknown, key?: IDBValidKey) => {
        const request = put(value, key);
        if (typeof key === 'string' && full(key)) {
          const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          // The transaction's error, as the browser would set it for this abort.
          Object.defineProperty(store.transaction, 'error', {
            get: () => quota,
            set: () => undefined,
            configurable: true,
          });
          store.transaction.abort();
        }
        return request;
      };
      return callback(store);
    });
}

const fp = (c: string) => c.repeat(64);

function keyRecord(name: string, fingerprint: string, addedAt: number): ImportedKeyRecord {
  return {
    schema: 1,
    name,
    pem: `-----BEGIN PUBLIC KEY-----\n${name}\n-----END PUBLIC KEY-----`,
    fingerprint,
    addedAt,
  };
}

describe('imported keys store', () => {
  it('adds, lists oldest first, and removes', async () => {
    const store = idbImportedKeyStore(freshDb('keys'));
    expect(await store.list()).toEqual({ keys: [], unreadable: 0 });
    const later = keyRecord('later', fp('b'), 2000);
    const first = keyRecord('first', fp('a'), 1000);
    await store.add(later);
    await store.add(first);
    expect(await store.list()).toEqual({ keys: [first, later], unreadable: 0 });
    // Adding the same fingerprint again replaces, never duplicates.
    await store.add({ ...first, name: 'renamed' });
    expect((await store.list()).keys.map((k) => k.name)).toEqual(['renamed', 'later']);
    await store.remove(fp('a'));
    expect(await store.list()).toEqual({ keys: [later], unreadable: 0 });
    await store.remove(fp('c')); // removing nothing is fine
    expect((await store.list()).keys).toHaveLength(1);
  });

  it('counts records it cannot read (newer schema, damaged) without returning or deleting them', async () => {
    const db = freshDb('keys');
    const store = idbImportedKeyStore(db);
    const good = keyRecord('good', fp('a'), 1);
    await store.add(good);
    const newer = { ...keyRecord('from a newer app', fp('b'), 2), schema: 2, algorithm: 'x' };
    const damaged = { schema: 1, name: 'no pem', fingerprint: fp('c'), addedAt: 3 };
    await set(`key:${fp('b')}`, newer, db);
    await set(`key:${fp('c')}`, damaged, db);
    await set(`key:${fp('d')}`, 'text', db);
    expect(await store.list()).toEqual({ keys: [good], unreadable: 3 });
    expect(await get(`key:${fp('b')}`, db)).toEqual(newer);
    expect(await get(`key:${fp('c')}`, db)).toEqual(damaged);
    expect(await keys(db)).toHaveLength(4);
  });

  it('a full storage is StorageFullError naming the key; a closed one StorageUnavailableError', async () => {
    const error = await idbImportedKeyStore(fullDb)
      .add(keyRecord('Acme release key', fp('a'), 1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect(error).toMatchObject({
      code: 'storage-full',
      detail: 'QuotaExceededError: The quota has been exceeded.',
    });
    expect((error as Error).message).toContain('the key "Acme release key" could not be saved');
    await expect(idbImportedKeyStore(fullDb).list()).rejects.toBeInstanceOf(StorageFullError);
    await expect(idbImportedKeyStore(closedDb).list()).rejects.toMatchObject({
      code: 'storage-unavailable',
    });
    await expect(idbImportedKeyStore(closedDb).remove(fp('a'))).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
  });
});

const release: Release = {
  product: 'sensor',
  match: { board: 'nrf52840dk' },
  version: '1.2.3+0',
  file: 'fw/sensor.bin',
  size: 4,
  sha256: fp('1'),
  imageHash: fp('2'),
  notes: '',
  channel: 'stable',
};

function firmware(sha256: string, storedAt: number, version = '1.2.3+0'): CachedFirmware {
  return {
    schema: 1,
    sha256,
    fileName: `fw-${version}.bin`,
    size: 4,
    version,
    imageHash: fp('2'),
    signer: { name: 'fieldflash demo key', fingerprint: fp('e') },
    release,
    source: 'https://example.test/feed/fw/sensor.bin',
    storedAt,
  };
}

describe('firmware cache', () => {
  it('puts, lists newest first without bytes, reads bytes, removes both keys', async () => {
    const db = freshDb('firmware');
    const cache = idbFirmwareCache(db);
    expect(await cache.list()).toEqual({ items: [], unreadable: 0 });
    const older = firmware(fp('a'), 1000, '1.0.0+0');
    const newer = { ...firmware(fp('b'), 2000), release: null, source: null };
    await cache.put(older, Uint8Array.of(1, 2, 3, 4));
    await cache.put(newer, Uint8Array.of(5, 6, 7, 8));
    const { items, unreadable } = await cache.list();
    expect(unreadable).toBe(0);
    expect(items).toEqual([newer, older]);
    for (const item of items) {
      for (const value of Object.values(item)) expect(value).not.toBeInstanceOf(Uint8Array);
    }
    expect(await cache.bytes(fp('a'))).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(await cache.bytes(fp('b'))).toEqual(Uint8Array.of(5, 6, 7, 8));
    expect(await cache.bytes(fp('c'))).toBeNull();
    expect((await keys(db)).sort()).toEqual(
      [`bytes:${fp('a')}`, `bytes:${fp('b')}`, `meta:${fp('a')}`, `meta:${fp('b')}`].sort(),
    );
    await cache.remove(fp('a'));
    expect((await keys(db)).sort()).toEqual([`bytes:${fp('b')}`, `meta:${fp('b')}`]);
    expect(await cache.bytes(fp('a'))).toBeNull();
    expect((await cache.list()).items).toEqual([newer]);
  });

  it('bytes() returns null for a value that is not bytes', async () => {
    const db = freshDb('firmware');
    await set(`bytes:${fp('a')}`, 'not bytes', db);
    expect(await idbFirmwareCache(db).bytes(fp('a'))).toBeNull();
  });

  it('counts unreadable metadata (newer schema, damaged) without returning or deleting it', async () => {
    const db = freshDb('firmware');
    const cache = idbFirmwareCache(db);
    const good = firmware(fp('a'), 1);
    await cache.put(good, Uint8Array.of(1));
    const newer = { ...firmware(fp('b'), 2), schema: 2 };
    const damaged = { ...firmware(fp('c'), 3), signer: 'someone' };
    await set(`meta:${fp('b')}`, newer, db);
    await set(`bytes:${fp('b')}`, Uint8Array.of(2), db);
    await set(`meta:${fp('c')}`, damaged, db);
    expect(await cache.list()).toEqual({ items: [good], unreadable: 2 });
    expect(await get(`meta:${fp('b')}`, db)).toEqual(newer);
    expect(await get(`meta:${fp('c')}`, db)).toEqual(damaged);
    expect(await cache.bytes(fp('b'))).toEqual(Uint8Array.of(2));
  });

  it('a full storage is StorageFullError naming the firmware, and stores nothing', async () => {
    const error = await idbFirmwareCache(fullDb)
      .put(firmware(fp('a'), 1), Uint8Array.of(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect(error).toMatchObject({ code: 'storage-full' });
    expect((error as Error).message).toContain('firmware 1.2.3+0 could not be saved');
    await expect(idbFirmwareCache(fullDb).bytes(fp('a'))).rejects.toMatchObject({
      code: 'storage-full',
    });
    await expect(idbFirmwareCache(closedDb).list()).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('a quota error inside the transaction aborts it: neither key is left', async () => {
    const db = freshDb('firmware');
    // The real database, but the metadata (the second put) does not fit.
    const quotaOnMeta = quotaWhen(db, (key) => key.startsWith('meta:'));
    await expect(
      idbFirmwareCache(quotaOnMeta).put(firmware(fp('a'), 1), Uint8Array.of(1)),
    ).rejects.toBeInstanceOf(StorageFullError);
    expect(await keys(db)).toEqual([]);
  });
});

function storedFeed(text: string, fetchedAt = 1000): StoredFeed {
  return {
    schema: 1,
    url: 'https://example.test/feed/feed.json',
    json: new TextEncoder().encode(text),
    signature: new Uint8Array(64).fill(7),
    fetchedAt,
  };
}

describe('feed state', () => {
  it('accept() writes the trust state and the feed together; trust() and lastFeed() read them back', async () => {
    const db = freshDb('feed');
    const store = idbFeedStateStore(db);
    expect(await store.trust(fp('a'))).toBeNull();
    expect(await store.lastFeed()).toBeNull();
    const feed = storedFeed('{"sequence": 3}');
    await store.accept(fp('a'), { sequence: 3, sha256: fp('c') }, feed);
    expect(await store.trust(fp('a'))).toEqual({ sequence: 3, sha256: fp('c') });
    expect(await store.trust(fp('b'))).toBeNull(); // per signer
    expect(await store.lastFeed()).toEqual(feed);
    expect(await get(`trust:${fp('a')}`, db)).toEqual({ schema: 1, sequence: 3, sha256: fp('c') });
    // A new store on the same database sees the same state.
    expect(await idbFeedStateStore(db).trust(fp('a'))).toEqual({ sequence: 3, sha256: fp('c') });
    const next = storedFeed('{"sequence": 4}', 2000);
    await store.accept(fp('a'), { sequence: 4, sha256: fp('d') }, next);
    expect(await store.trust(fp('a'))).toEqual({ sequence: 4, sha256: fp('d') });
    expect(await store.lastFeed()).toEqual(next);
  });

  it('a trust record it cannot read fails closed (no feed accepted); a newer saved feed reads as absent; both stay stored', async () => {
    const db = freshDb('feed');
    const store = idbFeedStateStore(db);
    const trust = { schema: 2, sequence: 9, sha256: fp('c'), extra: true };
    const feed = { ...storedFeed('{}'), schema: 2 };
    await set(`trust:${fp('a')}`, trust, db);
    await set('feed:last', feed, db);
    // Read as "none seen", it would let any older signed feed back in.
    await expect(store.trust(fp('a'))).rejects.toMatchObject({
      code: 'feed-state-unreadable',
      signer: fp('a'),
      why: 'newer-schema',
    });
    expect(await store.lastFeed()).toBeNull();
    expect(await get(`trust:${fp('a')}`, db)).toEqual(trust);
    expect(await get('feed:last', db)).toEqual(feed);
  });

  it('a quota error in accept() is StorageFullError and leaves the previous state whole', async () => {
    const db = freshDb('feed');
    const store = idbFeedStateStore(db);
    const first = storedFeed('{"sequence": 1}');
    await store.accept(fp('a'), { sequence: 1, sha256: fp('c') }, first);
    // The trust record is queued, then the feed file hits the quota: the transaction aborts.
    const quotaOnFeed = quotaWhen(db, (key) => key === 'feed:last');
    const error = await idbFeedStateStore(quotaOnFeed)
      .accept(fp('a'), { sequence: 2, sha256: fp('d') }, storedFeed('{"sequence": 2}'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toContain('the release feed could not be saved');
    expect(await store.trust(fp('a'))).toEqual({ sequence: 1, sha256: fp('c') });
    expect(await store.lastFeed()).toEqual(first);
  });

  it('a store that throws QuotaExceededError maps to StorageFullError in every call', async () => {
    const store = idbFeedStateStore(fullDb);
    for (const call of [
      () => store.trust(fp('a')),
      () => store.lastFeed(),
      () => store.accept(fp('a'), { sequence: 1, sha256: fp('c') }, storedFeed('{}')),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'storage-full' });
    }
    await expect(idbFeedStateStore(closedDb).trust(fp('a'))).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
  });
});
