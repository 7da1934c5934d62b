/**
 * Public keys the user imported to check firmware, kept on this phone
 * (IndexedDB). Importing is two steps — read the file and show the key's
 * name, type and fingerprint; store it only after the user confirmed — so a
 * key is never trusted by a mis-tap. Stored as PEM and parsed again when
 * loaded.
 * @module
 */
import { encodePem, parsePublicKey, trustKey, type TrustedKey } from '../core/keys/index.ts';
import { idbImportedKeyStore, type ImportedKeyStore } from '../store/trusted-keys-idb.ts';

let defaultStore: ImportedKeyStore | null = null;
const storeOf = (store?: ImportedKeyStore) => store ?? (defaultStore ??= idbImportedKeyStore());

export interface ImportedKeys {
  readonly keys: TrustedKey[];
  /** Records that could not be read back (a newer app's format, damaged storage). */
  readonly unreadable: number;
}

export async function loadImportedKeys(store?: ImportedKeyStore): Promise<ImportedKeys> {
  const { keys, unreadable } = await storeOf(store).list();
  const parsed: TrustedKey[] = [];
  let bad = unreadable;
  for (const record of keys) {
    try {
      const key = trustKey(parsePublicKey(record.pem), record.name);
      // A record whose PEM is not the key it names is damaged: not trusted.
      if (key.fingerprint === record.fingerprint) parsed.push(key);
      else bad++;
    } catch {
      bad++;
    }
  }
  return { keys: parsed, unreadable: bad };
}

/** Stores a key the user confirmed. */
export async function importKey(key: TrustedKey, store?: ImportedKeyStore): Promise<void> {
  await storeOf(store).add({
    schema: 1,
    name: key.name,
    pem: encodePem('PUBLIC KEY', key.spki),
    fingerprint: key.fingerprint,
    addedAt: Date.now(),
  });
}

export async function removeImportedKey(key: TrustedKey, store?: ImportedKeyStore): Promise<void> {
  await storeOf(store).remove(key.fingerprint);
}
