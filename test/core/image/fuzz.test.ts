/**
 * Property tests of the parser and verifier on hostile input: random bytes,
 * random headers, and mutations of every valid image (imgtool's vectors and
 * our own, one per signature type). Always a verdict, never a throw; never an
 * allocation sized by a declared length the input does not back; and any
 * change to a signed image's bytes (up to the end of its TLVs) is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeHeader,
  IMAGE_MAGIC,
  INVALID_REASONS,
  parseImage,
  readImageFile,
  signImage,
  verifyImage,
  type ImageVerdict,
} from '../../../src/core/image/index.ts';
import { parsePublicKey, trustKey, type TrustedKey } from '../../../src/core/keys/index.ts';
import { subtle } from '../../helpers/crypto.ts';
import { testKey } from '../../helpers/keys.ts';
import { loadVectors, vectorFile } from '../../helpers/shared.ts';

interface Sample {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly keys: TrustedKey[];
}

function expectVerdictShape(v: ImageVerdict): void {
  if (v.ok) expect(typeof v.imageHash).toBe('string');
  else {
    expect(INVALID_REASONS).toContain(v.reason);
    expect(v.detail.length).toBeGreaterThan(0);
  }
}

async function samples(): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const v of loadVectors().filter((x) => x.expect === 'valid')) {
    const keys = v.key ? [trustKey(parsePublicKey(vectorFile(v.key)), v.key_name ?? 'k')] : [];
    out.push({ name: v.id, bytes: readImageFile(vectorFile(v.file)).bytes, keys });
  }
  const body = Uint8Array.from({ length: 777 }, (_, i) => (i * 29) & 0xff);
  const base = {
    version: { major: 1, minor: 0, revision: 0, build: 0 },
    headerSize: 32,
    padHeader: true,
    slotSize: 0x8000,
    securityCounter: 3,
  };
  for (const type of ['ed25519', 'ecdsa-p256', 'rsa-2048', 'rsa-3072'] as const) {
    const key = testKey(type);
    const { image } = await signImage(body, key.private, base, { subtle });
    out.push({ name: `own-${type}`, bytes: image, keys: [key.trusted] });
  }
  const pure = await signImage(
    body,
    testKey('ed25519').private,
    { ...base, pure: true },
    { subtle },
  );
  out.push({ name: 'own-ed25519-pure', bytes: pure.image, keys: [testKey('ed25519').trusted] });
  const unsigned = await signImage(body, null, base);
  out.push({ name: 'own-unsigned', bytes: unsigned.image, keys: [] });
  return out;
}

const all = await samples();

function tlvEnd(bytes: Uint8Array): number {
  const p = parseImage(bytes);
  if (!p.ok) throw new Error('sample must parse');
  return p.image.layout.tlvEnd;
}

describe('verifyImage on random input', () => {
  it('returns a verdict for any bytes, with and without keys', async () => {
    const keys = [testKey('ed25519').trusted, testKey('rsa-2048').trusted];
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.boolean(),
        async (bytes, withKeys) => {
          expectVerdictShape(await verifyImage(bytes, withKeys ? keys : [], { subtle }));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('returns a verdict for a valid magic followed by random header fields and tail', async () => {
    const header = fc.record({
      loadAddr: fc.nat(),
      hdrSize: fc.integer({ min: 0, max: 0xffff }),
      protectTlvSize: fc.integer({ min: 0, max: 0xffff }),
      imgSize: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 0xffffffff })),
      flags: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(header, fc.uint8Array({ maxLength: 1024 }), async (h, tail) => {
        const bytes = new Uint8Array([
          ...encodeHeader({
            ...h,
            magic: IMAGE_MAGIC,
            version: { major: 1, minor: 2, revision: 3, build: 4 },
          }),
          ...tail,
        ]);
        expectVerdictShape(await verifyImage(bytes, [testKey('ecdsa-p256').trusted], { subtle }));
      }),
      { numRuns: 500 },
    );
  });
});

describe.each(all.map((s) => [s.name, s] as const))('mutations of %s', (_name, sample) => {
  const end = tlvEnd(sample.bytes);

  it('is valid unmodified', async () => {
    expect((await verifyImage(sample.bytes, sample.keys, { subtle })).ok).toBe(true);
  });

  it('refuses every single-byte change in the header and the TLV area', async () => {
    const parsed = parseImage(sample.bytes);
    if (!parsed.ok) throw new Error('unreachable');
    const fromTlvs = parsed.image.header.hdrSize + parsed.image.header.imgSize;
    const positions = [
      ...Array(32).keys(),
      ...Array.from({ length: end - fromTlvs }, (_, i) => fromTlvs + i),
    ];
    for (const at of positions) {
      const copy = Uint8Array.from(sample.bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      const v = await verifyImage(copy, sample.keys, { subtle });
      expectVerdictShape(v);
      expect(v.ok, `flip at ${at}`).toBe(false);
    }
  });

  it('refuses random changes anywhere up to the end of the TLVs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: end - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, mask) => {
          const copy = Uint8Array.from(sample.bytes);
          copy[at] = (copy[at] ?? 0) ^ mask;
          const v = await verifyImage(copy, sample.keys, { subtle });
          expectVerdictShape(v);
          expect(v.ok).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('returns a verdict for truncations, extensions and overwritten fields', async () => {
    const edit = fc.oneof(
      fc.record({
        kind: fc.constant('truncate' as const),
        at: fc.integer({ min: 0, max: sample.bytes.length }),
      }),
      fc.record({
        kind: fc.constant('append' as const),
        tail: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      }),
      fc.record({
        kind: fc.constant('u16' as const),
        at: fc.integer({ min: 0, max: end - 2 }),
        value: fc.constantFrom(0, 1, 0x7fff, 0x8000, 0xffff, 0x6907, 0x6908),
      }),
      fc.record({
        kind: fc.constant('u32' as const),
        at: fc.integer({ min: 0, max: 28 }),
        value: fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, end, end + 1),
      }),
    );
    await fc.assert(
      fc.asyncProperty(edit, async (e) => {
        let bytes = Uint8Array.from(sample.bytes);
        if (e.kind === 'truncate') bytes = bytes.subarray(0, e.at);
        else if (e.kind === 'append') bytes = new Uint8Array([...bytes, ...e.tail]);
        else {
          const view = new DataView(bytes.buffer);
          if (e.kind === 'u16') view.setUint16(e.at, e.value, true);
          else view.setUint32(e.at, e.value, true);
        }
        expectVerdictShape(await verifyImage(bytes, sample.keys, { subtle }));
      }),
      { numRuns: 80 },
    );
  });
});

describe('allocation', () => {
  /**
   * Counts every typed array / buffer allocation made through the globals while
   * `fn` runs. Views (subarray) are not allocations; a declared size that drove
   * `new Uint8Array(size)` would show up here.
   */
  async function largestAllocation(fn: () => Promise<unknown>): Promise<number> {
    const OriginalU8 = globalThis.Uint8Array;
    const OriginalAB = globalThis.ArrayBuffer;
    let largest = 0;
    const note = (arg: unknown) => {
      const n =
        typeof arg === 'number'
          ? arg
          : ((arg as { length?: number; byteLength?: number })?.byteLength ??
            (arg as { length?: number })?.length ??
            0);
      largest = Math.max(largest, n);
    };
    globalThis.Uint8Array = new Proxy(OriginalU8, {
      construct(target, args: unknown[]) {
        if (typeof args[0] === 'number' || args[1] === undefined) note(args[0]);
        return Reflect.construct(target, args) as object;
      },
    });
    globalThis.ArrayBuffer = new Proxy(OriginalAB, {
      construct(target, args: unknown[]) {
        note(args[0]);
        return Reflect.construct(target, args) as object;
      },
    });
    try {
      await fn();
    } finally {
      globalThis.Uint8Array = OriginalU8;
      globalThis.ArrayBuffer = OriginalAB;
    }
    return largest;
  }

  it('the probe sees an allocation made from a declared size', async () => {
    const declared = 100_000;
    expect(await largestAllocation(() => Promise.resolve(new Uint8Array(declared)))).toBe(declared);
  });

  it('never allocates more than the input size plus a constant, whatever sizes the header declares', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 32, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 256 }),
        async (hdrSize, protectTlvSize, imgSize, tail) => {
          const bytes = new Uint8Array([
            ...encodeHeader({
              magic: IMAGE_MAGIC,
              loadAddr: 0,
              hdrSize,
              protectTlvSize,
              imgSize,
              flags: 0,
              version: { major: 1, minor: 0, revision: 0, build: 0 },
            }),
            ...tail,
          ]);
          const largest = await largestAllocation(() =>
            verifyImage(bytes, [testKey('ed25519').trusted], { subtle }),
          );
          expect(largest).toBeLessThanOrEqual(bytes.length + 1024);
        },
      ),
      { numRuns: 300 },
    );
  });
});
