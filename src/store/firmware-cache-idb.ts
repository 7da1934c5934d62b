/**
 * Firmware kept on the phone for offline work, in its own IndexedDB
 * database: each image's bytes under `bytes:<sha256>` and what was checked
 * about it under `meta:<sha256>`, so listing the cache never loads images.
 * The verdict stored is informational; an image is verified again when it is
 * used (the engine verifies before sending).
 * @module
 */
import { createStore, delMany, entries, get, setMany, type UseStore } from 'idb-keyval';
import type { Release } from '../core/feed/index.ts';
import { guardStorage } from './idb-guard.ts';
import { isCount, isHex, isText, readRecord, type RecordSchema } from './versioned.ts';

export const FIRMWARE_DB = 'fieldflash-firmware';

export interface CachedFirmware {
  readonly schema: 1;
  /** SHA-256 of the file, hex: the cache key. */
  readonly sha256: string;
  readonly fileName: string;
  readonly size: number;
  readonly version: string;
  /** The MCUboot image hash, hex (what the device lists per slot). */
  readonly imageHash: string;
  /** Who signed it, as the verification said when it was stored. */
  readonly signer: { readonly name: string; readonly fingerprint: string };
  /** The feed entry it was downloaded for (null for a file added by hand). */
  readonly release: Release | null;
  /** Where it came from (the image URL), null for a local file. */
  readonly source: string | null;
  /** Milliseconds since 1970. */
  readonly storedAt: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

const SCHEMA: RecordSchema<CachedFirmware> = {
  current: 1,
  parse: (v) => {
    const signer = v['signer'];
    const ok =
      isHex(v['sha256'], 64) &&
      isText(v['fileName']) &&
      isCount(v['size']) &&
      isText(v['version']) &&
      isHex(v['imageHash']) &&
      isObject(signer) &&
      isText(signer['name']) &&
      isText(signer['fingerprint']) &&
      (v['release'] === null || isObject(v['release'])) &&
      (v['source'] === null || isText(v['source'])) &&
      isCount(v['storedAt']);
    return ok ? (v as unknown as CachedFirmware) : null;
  },
};

export interface FirmwareCache {
  /** Everything cached (no image bytes), newest first, and how many records could not be read. */
  list(): Promise<{ items: CachedFirmware[]; unreadable: number }>;
  /** The image bytes, or null when not cached. */
  bytes(sha256: string): Promise<Uint8Array | null>;
  put(meta: CachedFirmware, bytes: Uint8Array): Promise<void>;
  remove(sha256: string): Promise<void>;
}

export function idbFirmwareCache(
  db: UseStore = createStore(FIRMWARE_DB, 'firmware'),
): FirmwareCache {
  return {
    list: () =>
      guardStorage('the firmware list', async () => {
        const items: CachedFirmware[] = [];
        let unreadable = 0;
        for (const [key, raw] of await entries<string, unknown>(db)) {
          if (!key.startsWith('meta:')) continue;
          const read = readRecord(raw, SCHEMA);
          if (read.ok) items.push(read.value);
          else unreadable++;
        }
        items.sort((a, b) => b.storedAt - a.storedAt);
        return { items, unreadable };
      }),
    bytes: (sha256) =>
      guardStorage('the firmware', async () => {
        const value = await get<unknown>(`bytes:${sha256}`, db);
        return value instanceof Uint8Array ? value : null;
      }),
    // One transaction for both keys: a full disk leaves neither behind.
    put: (meta, bytes) =>
      guardStorage(`firmware ${meta.version}`, () =>
        setMany(
          [
            [`bytes:${meta.sha256}`, bytes],
            [`meta:${meta.sha256}`, meta],
          ],
          db,
        ),
      ),
    remove: (sha256) =>
      guardStorage('the firmware removal', () =>
        delMany([`meta:${sha256}`, `bytes:${sha256}`], db),
      ),
  };
}
