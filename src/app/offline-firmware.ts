/**
 * "Make available offline": a release's image downloaded with progress,
 * checked against the signed feed (size, SHA-256) and against the pinned
 * keys (MCUboot signature, version, image hash), and only then stored in
 * IndexedDB. Using a cached image checks its SHA-256 again and verifies it
 * like any file, so flashing from the cache needs no network and trusts
 * nothing the storage says.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/bytes.ts';
import type { Release } from '../core/feed/index.ts';
import { formatVersion, parseVersion, verifyImage } from '../core/image/index.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import {
  idbFirmwareCache,
  type CachedFirmware,
  type FirmwareCache,
} from '../store/firmware-cache-idb.ts';
export type { CachedFirmware };
import {
  CacheCorruptError,
  DownloadError,
  DownloadHashError,
  DownloadSizeError,
  ImageNotGenuineError,
  ReleaseMismatchError,
} from './download-errors.ts';
import { httpGet } from './http-get.ts';
import {
  browserSubtle,
  checkImageFile,
  type CheckedImage,
  type UnreadableImage,
} from './image-check.ts';

let defaultCache: FirmwareCache | null = null;
export const firmwareCache = (): FirmwareCache => (defaultCache ??= idbFirmwareCache());

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (received: number, total: number) => void;
  readonly fetch?: typeof fetch;
  readonly cache?: FirmwareCache;
  readonly now?: number;
}

const sameVersion = (a: string, b: string) => {
  try {
    return formatVersion(parseVersion(a)) === formatVersion(parseVersion(b));
  } catch {
    return a === b;
  }
};

/** Reads the body in chunks, stopping as soon as it is larger than promised. */
async function readBody(response: Response, url: string, release: Release, o: DownloadOptions) {
  const body = new Uint8Array(release.size);
  const hash = sha256.create();
  let received = 0;
  const reader = response.body?.getReader();
  if (!reader) throw new DownloadError(url, response.status);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > release.size) {
      await reader.cancel();
      throw new DownloadSizeError(url, release.size, received + value.length);
    }
    body.set(value, received);
    hash.update(value);
    received += value.length;
    o.onProgress?.(received, release.size);
  }
  if (received !== release.size) throw new DownloadSizeError(url, release.size, received);
  return { bytes: body, sha: bytesToHex(hash.digest()) };
}

export async function makeAvailableOffline(
  release: Release,
  feedUrl: string,
  keys: readonly TrustedKey[],
  o: DownloadOptions = {},
): Promise<CachedFirmware> {
  const url = new URL(release.file, feedUrl).href;
  const response = await httpGet(url, {
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const { bytes, sha } = await readBody(response, url, release, o);
  if (sha !== release.sha256) throw new DownloadHashError(url, release.sha256, sha);
  const verdict = await verifyImage(bytes, keys, { subtle: browserSubtle() });
  if (!verdict.ok) throw new ImageNotGenuineError(verdict.reason, verdict.detail);
  if (!sameVersion(verdict.versionText, release.version))
    throw new ReleaseMismatchError('version', release.version, verdict.versionText);
  if (verdict.imageHash !== release.imageHash)
    throw new ReleaseMismatchError('imageHash', release.imageHash, verdict.imageHash);
  const signer = verdict.signature?.signer;
  const meta: CachedFirmware = {
    schema: 1,
    sha256: sha,
    fileName: decodeURIComponent(url.split('/').pop() ?? 'firmware.bin'),
    size: bytes.length,
    version: verdict.versionText,
    imageHash: verdict.imageHash,
    signer: { name: signer?.name ?? 'unsigned', fingerprint: signer?.fingerprint ?? '' },
    release,
    source: url,
    storedAt: o.now ?? Date.now(),
  };
  await (o.cache ?? firmwareCache()).put(meta, bytes);
  return meta;
}

/** A cached image, checked again (SHA-256, then the full verification) as a file would be. */
export async function openCached(
  item: CachedFirmware,
  keys: readonly TrustedKey[],
  cache: FirmwareCache = firmwareCache(),
): Promise<CheckedImage | UnreadableImage> {
  const bytes = await cache.bytes(item.sha256);
  if (!bytes || bytesToHex(sha256(bytes)) !== item.sha256) throw new CacheCorruptError(item.sha256);
  return checkImageFile(new File([bytes.slice()], item.fileName), keys);
}

export interface StorageUse {
  readonly used: number;
  readonly quota: number;
  /** The browser promised not to evict this app's data under pressure. */
  readonly persisted: boolean;
}

/** How much of the browser's quota this app uses (null where the browser does not say). */
export async function storageUse(): Promise<StorageUse | null> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.estimate) return null;
  const { usage = 0, quota = 0 } = await storage.estimate();
  const persisted = (await storage.persisted?.()) ?? false;
  return { used: usage, quota, persisted };
}

/** Asks the browser to keep cached firmware under storage pressure (granted silently or not). */
export async function askToPersist(): Promise<boolean> {
  return (await globalThis.navigator?.storage?.persist?.()) ?? false;
}
