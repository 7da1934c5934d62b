/**
 * Public keys the user imported (after confirming them) to check firmware
 * signatures, kept in their own IndexedDB database. Pinned keys live in the
 * build configuration, not here. Stored as PEM so a record is readable and
 * re-parsed (never trusted as parsed objects) when loaded.
 * @module
 */
import { createStore, del, entries, set, type UseStore } from 'idb-keyval';
import { guardStorage } from './idb-guard.ts';
import { isCount, isHex, isText, readRecord, type RecordSchema } from './versioned.ts';

export const KEYS_DB = 'fieldflash-keys';

export interface ImportedKeyRecord {
  readonly schema: 1;
  readonly name: string;
  readonly pem: string;
  /** SHA-256 of the embedded key bytes, hex (the KEYHASH of images it signs). */
  readonly fingerprint: string;
  /** Milliseconds since 1970. */
  readonly addedAt: number;
}

const SCHEMA: RecordSchema<ImportedKeyRecord> = {
  current: 1,
  parse: (v) =>
    isText(v['name']) && isText(v['pem']) && isHex(v['fingerprint'], 64) && isCount(v['addedAt'])
      ? {
          schema: 1,
          name: v['name'],
          pem: v['pem'],
          fingerprint: v['fingerprint'],
          addedAt: v['addedAt'],
        }
      : null,
};

export interface ImportedKeyStore {
  /** The readable records, and how many stored ones could not be read. */
  list(): Promise<{ keys: ImportedKeyRecord[]; unreadable: number }>;
  add(record: ImportedKeyRecord): Promise<void>;
  remove(fingerprint: string): Promise<void>;
}

export function idbImportedKeyStore(db: UseStore = createStore(KEYS_DB, 'keys')): ImportedKeyStore {
  return {
    list: () =>
      guardStorage('the imported keys', async () => {
        const keys: ImportedKeyRecord[] = [];
        let unreadable = 0;
        for (const [, raw] of await entries<string, unknown>(db)) {
          const read = readRecord(raw, SCHEMA);
          if (read.ok) keys.push(read.value);
          else unreadable++;
        }
        keys.sort((a, b) => a.addedAt - b.addedAt);
        return { keys, unreadable };
      }),
    add: (record) =>
      guardStorage(`the key "${record.name}"`, () => set(`key:${record.fingerprint}`, record, db)),
    remove: (fingerprint) => guardStorage('the key removal', () => del(`key:${fingerprint}`, db)),
  };
}
