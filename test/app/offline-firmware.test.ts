/**
 * "Make available offline" (src/app/offline-firmware.ts) against a fake
 * server streaming the image in chunks and the IndexedDB firmware cache
 * (fake-indexeddb): an image is stored only after the size, the SHA-256 the
 * signed feed lists, the MCUboot signature by a pinned key and the release's
 * version and image hash all check out; a body longer than promised is cut
 * off without reading the rest; a cached image is checked again when used.
 */
// offline-firmware.ts reaches image-check.ts, which reads Vite's import.meta.env.
/// <reference types="vite/client" />
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createStore, keys, set, type UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import type { Release } from '../../src/core/feed/index.ts';
import { verifyImage } from '../../src/core/image/index.ts';
import { parsePrivateKey, type PrivateKey } from '../../src/core/keys/index.ts';
import {
  CacheCorruptError,
  DownloadError,
  DownloadHashError,
  DownloadSizeError,
  ImageNotGenuineError,
  ReleaseMismatchError,
} from '../../src/app/download-errors.ts';
import { pinnedKeys, type CheckedImage } from '../../src/app/image-check.ts';
import { makeAvailableOffline, openCached } from '../../src/app/offline-firmware.ts';
import { idbFirmwareCache, type FirmwareCache } from '../../src/store/firmware-cache-idb.ts';
import { makeImage } from '../helpers/images.ts';
import { testKey } from '../helpers/keys.ts';

const FEED_URL = 'https://updates.example.test/feed/acme.json';
const IMAGE_URL = 'https://updates.example.test/feed/fw/sensor%201.2.3.bin';
const CHUNK = 1024;
const NOW = Date.UTC(2025, 5, 1);

const DEMO_SIGNING_KEY: PrivateKey = parsePrivateKey(
  readFileSync(new URL('../../src/app/demo/demo-signing-key.pem', import.meta.url)),
);
const KEYS = pinnedKeys();

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A signed image and the feed entry that describes it truthfully. */
async function imageAndRelease(
  key: PrivateKey = DEMO_SIGNING_KEY,
  version = '1.2.3',
): Promise<{ image: Uint8Array; release: Release }> {
  const image = await makeImage(key, version, 5000);
  const verdict = await verifyImage(image, [testKey('ed25519').trusted, ...KEYS], {});
  if (!verdict.ok) throw new Error(`test image does not verify: ${verdict.reason}`);
  return {
    image,
    release: {
      product: 'sensor',
      match: { board: 'nrf52840dk' },
      version: `${version}+0`,
      file: 'fw/sensor%201.2.3.bin',
      size: image.length,
      sha256: sha256(image),
      imageHash: verdict.imageHash,
      notes: '',
      channel: 'stable',
    },
  };
}

/** A server streaming `body` in CHUNK-sized pieces, counting how many were pulled. */
function server(body: Uint8Array, status = 200) {
  const state = { pulled: 0, cancelled: false, chunks: Math.ceil(body.length / CHUNK) };
  const requests: string[] = [];
  const fetch = ((input: RequestInfo | URL) => {
    requests.push(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (offset >= body.length) {
            controller.close();
            return;
          }
          state.pulled++;
          controller.enqueue(body.slice(offset, offset + CHUNK));
          offset += CHUNK;
        },
        cancel() {
          state.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    return Promise.resolve(new Response(stream, { status }));
  }) as typeof globalThis.fetch;
  return { fetch, state, requests };
}

let dbCount = 0;
function cacheDb(): { db: UseStore; cache: FirmwareCache } {
  const db = createStore(`fieldflash-offline-test-${++dbCount}`, 'firmware');
  return { db, cache: idbFirmwareCache(db) };
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the download to be refused');
    },
    (error: unknown) => error,
  );
}

describe('makeAvailableOffline', () => {
  it('downloads with progress, checks, and stores the metadata and the bytes', async () => {
    const { image, release } = await imageAndRelease();
    const s = server(image);
    const { db, cache } = cacheDb();
    const progress: [number, number][] = [];
    const meta = await makeAvailableOffline(release, FEED_URL, KEYS, {
      fetch: s.fetch,
      cache,
      now: NOW,
      onProgress: (received, total) => progress.push([received, total]),
    });
    expect(s.requests).toEqual([IMAGE_URL]); // relative to the feed's URL
    expect(meta).toEqual({
      schema: 1,
      sha256: release.sha256,
      fileName: 'sensor 1.2.3.bin',
      size: image.length,
      version: '1.2.3+0',
      imageHash: release.imageHash,
      signer: { name: 'fieldflash demo key', fingerprint: KEYS[0]?.fingerprint },
      release,
      source: IMAGE_URL,
      storedAt: NOW,
    });
    expect(await cache.list()).toEqual({ items: [meta], unreadable: 0 });
    expect(await cache.bytes(release.sha256)).toEqual(image);
    expect((await keys(db)).sort()).toEqual([`bytes:${meta.sha256}`, `meta:${meta.sha256}`]);
    // One report per chunk, rising to the whole size.
    expect(progress).toHaveLength(s.state.chunks);
    expect(progress.every(([, total]) => total === image.length)).toBe(true);
    const received = progress.map(([r]) => r);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(received.at(-1)).toBe(image.length);
  });

  it('a body larger than promised: DownloadSizeError without reading the rest, nothing stored', async () => {
    const { image, release } = await imageAndRelease();
    const padded = new Uint8Array(image.length + 20 * CHUNK);
    padded.set(image);
    const s = server(padded);
    const { db, cache } = cacheDb();
    const error = await refusal(
      makeAvailableOffline(release, FEED_URL, KEYS, { fetch: s.fetch, cache }),
    );
    expect(error).toBeInstanceOf(DownloadSizeError);
    expect(error).toMatchObject({ code: 'download-size', expected: image.length, url: IMAGE_URL });
    expect((error as DownloadSizeError).got).toBeGreaterThan(image.length);
    expect((error as Error).message).toMatch(/larger/);
    // It stopped at the first chunk past the promised size and cancelled the download.
    expect(s.state.pulled).toBe(Math.floor(image.length / CHUNK) + 1);
    expect(s.state.pulled).toBeLessThan(s.state.chunks);
    expect(s.state.cancelled).toBe(true);
    expect(await keys(db)).toEqual([]);
  });

  it('a shorter body: DownloadSizeError, nothing stored', async () => {
    const { image, release } = await imageAndRelease();
    const s = server(image.subarray(0, image.length - 100));
    const { db, cache } = cacheDb();
    const error = await refusal(
      makeAvailableOffline(release, FEED_URL, KEYS, { fetch: s.fetch, cache }),
    );
    expect(error).toBeInstanceOf(DownloadSizeError);
    expect(error).toMatchObject({ expected: image.length, got: image.length - 100 });
    expect((error as Error).message).toMatch(/smaller/);
    expect(await keys(db)).toEqual([]);
  });

  it('a file other than the one the feed lists: DownloadHashError, nothing stored', async () => {
    const { image, release } = await imageAndRelease();
    const altered = Uint8Array.from(image);
    altered.set([(altered[100] ?? 0) ^ 0xff], 100);
    const s = server(altered);
    const { db, cache } = cacheDb();
    const error = await refusal(
      makeAvailableOffline(release, FEED_URL, KEYS, { fetch: s.fetch, cache }),
    );
    expect(error).toBeInstanceOf(DownloadHashError);
    expect(error).toMatchObject({
      code: 'download-hash-mismatch',
      expected: release.sha256,
      got: sha256(altered),
    });
    expect(await keys(db)).toEqual([]);
  });

  it('listed in the feed but not signed by a pinned key: ImageNotGenuineError, nothing stored', async () => {
    // The feed lists exactly this file (its SHA-256 matches), but an unpinned key signed it.
    const { image, release } = await imageAndRelease(testKey('ed25519').private);
    const s = server(image);
    const { db, cache } = cacheDb();
    const error = await refusal(
      makeAvailableOffline(release, FEED_URL, KEYS, { fetch: s.fetch, cache }),
    );
    expect(error).toBeInstanceOf(ImageNotGenuineError);
    expect(error).toMatchObject({ code: 'image-not-genuine', reason: 'wrong-key' });
    expect(await keys(db)).toEqual([]);
  });

  it('genuine, but not the release the feed describes: ReleaseMismatchError, nothing stored', async () => {
    const { image, release } = await imageAndRelease();
    const { db, cache } = cacheDb();
    const version = await refusal(
      makeAvailableOffline({ ...release, version: '1.2.4' }, FEED_URL, KEYS, {
        fetch: server(image).fetch,
        cache,
      }),
    );
    expect(version).toBeInstanceOf(ReleaseMismatchError);
    expect(version).toMatchObject({ field: 'version', expected: '1.2.4', got: '1.2.3+0' });
    const imageHash = await refusal(
      makeAvailableOffline({ ...release, imageHash: 'c'.repeat(64) }, FEED_URL, KEYS, {
        fetch: server(image).fetch,
        cache,
      }),
    );
    expect(imageHash).toBeInstanceOf(ReleaseMismatchError);
    expect(imageHash).toMatchObject({
      code: 'release-mismatch',
      field: 'imageHash',
      expected: 'c'.repeat(64),
      got: release.imageHash,
    });
    expect(await keys(db)).toEqual([]);
    // The same version written without the build number is the same version.
    await makeAvailableOffline({ ...release, version: '1.2.3' }, FEED_URL, KEYS, {
      fetch: server(image).fetch,
      cache,
    });
    expect((await cache.list()).items).toHaveLength(1);
  });

  it('an error status: DownloadError with the status, nothing read or stored', async () => {
    const { image, release } = await imageAndRelease();
    const s = server(image, 500);
    const { db, cache } = cacheDb();
    const error = await refusal(
      makeAvailableOffline(release, FEED_URL, KEYS, { fetch: s.fetch, cache }),
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: 'download-failed', status: 500, url: IMAGE_URL });
    expect(s.state.pulled).toBe(0);
    expect(await keys(db)).toEqual([]);
  });

  it('no answer: DownloadError with status null', async () => {
    const { release } = await imageAndRelease();
    const { cache } = cacheDb();
    const offline = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;
    const error = await refusal(
      makeAvailableOffline(release, FEED_URL, KEYS, { fetch: offline, cache }),
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ status: null });
  });
});

describe('openCached', () => {
  async function cached() {
    const { image, release } = await imageAndRelease();
    const { db, cache } = cacheDb();
    const meta = await makeAvailableOffline(release, FEED_URL, KEYS, {
      fetch: server(image).fetch,
      cache,
    });
    return { image, meta, db, cache };
  }

  it('checks the cached image again like a file: verdict ok', async () => {
    const { image, meta, cache } = await cached();
    const checked = (await openCached(meta, KEYS, cache)) as CheckedImage;
    expect(checked).toMatchObject({ fileName: meta.fileName, fileSize: image.length });
    expect(checked.bytes).toEqual(image);
    expect(checked.verdict).toMatchObject({
      ok: true,
      versionText: '1.2.3+0',
      imageHash: meta.imageHash,
    });
    // Verified again against the keys given now, not the stored verdict.
    const unpinned = (await openCached(meta, [testKey('ed25519').trusted], cache)) as CheckedImage;
    expect(unpinned.verdict).toMatchObject({ ok: false, reason: 'wrong-key' });
  });

  it('bytes changed in storage, or gone: CacheCorruptError', async () => {
    const { image, meta, db, cache } = await cached();
    const altered = Uint8Array.from(image);
    altered.set([(altered.at(-1) ?? 0) ^ 1], image.length - 1);
    await set(`bytes:${meta.sha256}`, altered, db);
    const error = await refusal(openCached(meta, KEYS, cache));
    expect(error).toBeInstanceOf(CacheCorruptError);
    expect(error).toMatchObject({ code: 'cache-corrupt', sha256: meta.sha256 });
    await cache.remove(meta.sha256);
    await expect(openCached(meta, KEYS, cache)).rejects.toBeInstanceOf(CacheCorruptError);
  });
});
