/**
 * The incremental image hasher against one-shot hashing: split at every
 * boundary (two chunks), every pair of boundaries on a small image (three
 * chunks), random chunkings, with views and with copied slices.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  digestRegion,
  encodeHeader,
  hashedRegionLength,
  IMAGE_MAGIC,
  ImageHasher,
  signImage,
  type HashAlg,
} from '../../../src/core/image/index.ts';
import { subtle } from '../../helpers/crypto.ts';

const ONE_SHOT = { sha256, sha384, sha512 } as const;
const ALGS: HashAlg[] = ['sha256', 'sha384', 'sha512'];

/** A signed-layout image with protected TLVs and trailing bytes past the hashed region. */
async function sampleImage(bodySize: number, headerSize = 64): Promise<Uint8Array> {
  const body = Uint8Array.from({ length: bodySize }, (_, i) => (i * 131 + 7) & 0xff);
  const { image } = await signImage(body, null, {
    version: { major: 1, minor: 2, revision: 3, build: 4 },
    headerSize,
    padHeader: true,
    slotSize: 0x10000,
    securityCounter: 5,
    customTlvs: [{ type: 0xa0, value: Uint8Array.of(1, 2, 3) }],
  });
  return image;
}

function region(image: Uint8Array): Uint8Array {
  const view = new DataView(image.buffer, image.byteOffset);
  return image.subarray(
    0,
    view.getUint16(8, true) + view.getUint32(12, true) + view.getUint16(10, true),
  );
}

function feed(alg: HashAlg, chunks: Uint8Array[]): Uint8Array {
  const h = new ImageHasher(alg);
  for (const c of chunks) h.update(c);
  expect(h.complete).toBe(true);
  return h.digest();
}

describe('ImageHasher', () => {
  it('hashes exactly header + body + protected TLVs, not the unprotected TLVs', async () => {
    const image = await sampleImage(300);
    for (const alg of ALGS) expect(feed(alg, [image])).toEqual(ONE_SHOT[alg](region(image)));
  });

  it('gives the one-shot digest when split at every boundary (two chunks)', async () => {
    const image = await sampleImage(700);
    const expected = sha256(region(image));
    for (let i = 0; i <= image.length; i++) {
      expect(feed('sha256', [image.subarray(0, i), image.subarray(i)]), `split at ${i}`).toEqual(
        expected,
      );
    }
  });

  it('gives the one-shot digest for every pair of split points on a small image, views and copies', async () => {
    const image = await sampleImage(40, 32);
    const expected = sha256(region(image));
    for (let i = 0; i <= image.length; i++) {
      for (let j = i; j <= image.length; j++) {
        const views = [image.subarray(0, i), image.subarray(i, j), image.subarray(j)];
        expect(feed('sha256', views), `split at ${i},${j}`).toEqual(expected);
        expect(
          feed(
            'sha256',
            views.map((v) => v.slice()),
          ),
          `copied, split at ${i},${j}`,
        ).toEqual(expected);
      }
    }
  });

  it('gives the one-shot digest for random chunkings of random images', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3000 }),
        fc.constantFrom(...ALGS),
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 30 }),
        async (bodySize, alg, cuts) => {
          const image = await sampleImage(bodySize);
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const c of cuts) {
            chunks.push(image.subarray(at, Math.min(image.length, at + c)));
            at = Math.min(image.length, at + c);
          }
          chunks.push(image.subarray(at));
          expect(feed(alg, chunks)).toEqual(ONE_SHOT[alg](region(image)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('knows the region length once 32 bytes arrived, and refuses to digest early', () => {
    const header = encodeHeader({
      magic: IMAGE_MAGIC,
      loadAddr: 0,
      hdrSize: 32,
      protectTlvSize: 0,
      imgSize: 100,
      flags: 0,
      version: { major: 0, minor: 0, revision: 0, build: 0 },
    });
    const h = new ImageHasher('sha256');
    h.update(header.subarray(0, 31));
    expect(h.regionLength).toBeUndefined();
    expect(() => h.digest()).toThrow(RangeError);
    h.update(header.subarray(31));
    expect(h.regionLength).toBe(
      hashedRegionLength({ hdrSize: 32, imgSize: 100, protectTlvSize: 0 } as never),
    );
    h.update(new Uint8Array(99));
    expect(h.complete).toBe(false);
    h.update(new Uint8Array(50));
    expect(h.complete).toBe(true);
    expect(h.digest()).toEqual(sha256(new Uint8Array([...header, ...new Uint8Array(100)])));
  });
});

describe('digestRegion', () => {
  it('WebCrypto and @noble/hashes agree for every algorithm', async () => {
    const data = Uint8Array.from({ length: 100_003 }, (_, i) => i & 0xff);
    for (const alg of ALGS) {
      expect(await digestRegion(alg, data, subtle)).toEqual(
        await digestRegion(alg, data, undefined),
      );
    }
  });
});
