/**
 * Sign → verify round trips for every key type and sign option, and the
 * signer's refusals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  autoSecurityCounter,
  formatIntelHex,
  padImage,
  parseIntelHex,
  readTrailer,
  signImage,
  SignOptionError,
  verifyImage,
  type SignOptions,
} from '../../../src/core/image/index.ts';
import type { KeyType } from '../../../src/core/keys/index.ts';
import { subtle } from '../../helpers/crypto.ts';
import { testKey } from '../../helpers/keys.ts';

const KEY_TYPES: (KeyType | null)[] = [null, 'ed25519', 'ecdsa-p256', 'rsa-2048', 'rsa-3072'];

const version = fc.record({
  major: fc.integer({ min: 0, max: 255 }),
  minor: fc.integer({ min: 0, max: 255 }),
  revision: fc.integer({ min: 0, max: 0xffff }),
  build: fc.integer({ min: 0, max: 0xffffffff }),
});

const options = fc.record({
  version,
  headerSize: fc.constantFrom(32, 0x20, 0x100, 0x200),
  padHeader: fc.boolean(),
  slotSize: fc.constant(0x40000),
  align: fc.constantFrom(1, 2, 4, 8, 16, 32),
  maxAlign: fc.option(fc.constantFrom(8, 16, 32), { nil: undefined }),
  pad: fc.boolean(),
  confirm: fc.boolean(),
  test: fc.boolean(),
  overwriteOnly: fc.boolean(),
  erasedVal: fc.constantFrom(0, 0xff),
  securityCounter: fc.option(fc.oneof(fc.constant('auto' as const), fc.nat()), { nil: undefined }),
  dependencies: fc.array(fc.record({ imageId: fc.integer({ min: 0, max: 3 }), version }), {
    maxLength: 2,
  }),
  customTlvs: fc.uniqueArray(
    fc.record({
      type: fc.integer({ min: 0xa0, max: 0xfe }),
      value: fc.uint8Array({ maxLength: 20 }),
    }),
    { maxLength: 2, selector: (t) => t.type },
  ),
  nonBootable: fc.boolean(),
  publicKeyFormat: fc.constantFrom('hash' as const, 'full' as const),
  padSig: fc.boolean(),
});

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

describe('signImage → verifyImage', () => {
  it.each(KEY_TYPES.map((t) => [t ?? 'unsigned', t] as const))(
    '%s, for random options and payloads',
    async (_n, type) => {
      const key = type ? testKey(type) : null;
      await fc.assert(
        fc.asyncProperty(options, fc.uint8Array({ maxLength: 3000 }), async (raw, body) => {
          const opts = strip(raw) as SignOptions;
          const input = opts.padHeader
            ? body
            : new Uint8Array([...new Uint8Array(opts.headerSize), ...body]);
          const signed = await signImage(input, key?.private ?? null, opts, { subtle });
          const v = await verifyImage(padImage(signed), key ? [key.trusted] : [], { subtle });
          if (!v.ok) throw new Error(`${v.reason}: ${v.detail}`);
          expect(v.version).toEqual(opts.version);
          expect(v.layout.headerSize).toBe(opts.headerSize);
          expect(v.layout.bodySize).toBe(body.length);
          const sc =
            opts.securityCounter === 'auto'
              ? autoSecurityCounter(opts.version)
              : (opts.securityCounter ?? null);
          expect(v.securityCounter).toBe(sc);
          expect(v.dependencies).toEqual(opts.dependencies);
          expect(v.bootable).toBe(!opts.nonBootable);
          expect(v.imageHash).toBe(Buffer.from(signed.hash).toString('hex'));
          if (key) {
            expect(v.signature?.signer?.fingerprint).toBe(key.trusted.fingerprint);
            expect(v.signature?.signer?.matchedBy).toBe(
              opts.publicKeyFormat === 'full' ? 'pubkey' : 'keyhash',
            );
          } else expect(v.signature).toBeNull();
          const padded = opts.pad || opts.confirm || opts.test;
          expect(v.trailer !== null).toBe(Boolean(padded));
          if (padded) {
            expect(v.trailer).toMatchObject({ slotSize: opts.slotSize, magic: true });
            if (!opts.overwriteOnly)
              expect(v.trailer?.imageOk).toBe(opts.confirm ? 'set' : 'unset');
          }
        }),
        { numRuns: type?.startsWith('rsa') ? 15 : 40 },
      );
    },
  );

  it('signs Ed25519 with SHA-512 and in pure mode', async () => {
    const key = testKey('ed25519');
    const body = new Uint8Array(1000).fill(7);
    const base = {
      version: { major: 1, minor: 0, revision: 0, build: 0 },
      headerSize: 32,
      padHeader: true,
      slotSize: 0x10000,
    };
    for (const extra of [{ sha: '512' as const }, { pure: true }]) {
      const signed = await signImage(body, key.private, { ...base, ...extra });
      const v = await verifyImage(signed.image, [key.trusted], { subtle });
      expect(v.ok && v.hashAlg).toBe('sha512');
      expect(v.ok && v.signature?.type).toBe('pure' in extra ? 'ed25519-pure' : 'ed25519');
    }
  });

  it('writes padded images as imgtool does: slot-sized, erased fill, magic at the end', async () => {
    const signed = await signImage(new Uint8Array(100), null, {
      version: { major: 1, minor: 0, revision: 0, build: 0 },
      headerSize: 32,
      padHeader: true,
      slotSize: 0x2000,
      confirm: true,
      align: 4,
    });
    const padded = padImage(signed);
    expect(padded.length).toBe(0x2000);
    expect(Buffer.from(padded.subarray(-16)).toString('hex')).toBe(
      '77c295f360d2ef7f3552500f2cb67980',
    );
    expect(padded[0x2000 - 24]).toBe(0x01);
    expect(readTrailer(padded, signed.image.length)).toEqual({
      slotSize: 0x2000,
      magic: true,
      imageOk: 'set',
    });
    // In HEX output only the image, image_ok and magic are present (imgtool `save`).
    const hex = parseIntelHex(
      new TextEncoder().encode(
        formatIntelHex([
          [0, signed.image],
          ...signed.trailerWrites.map((w) => [w.offset, w.bytes] as const),
        ]),
      ),
    );
    expect(hex.bytes).toEqual(padded);
  });
});

describe('formatIntelHex', () => {
  it('joins touching and overlapping blocks as one run, like python intelhex', () => {
    const a = Uint8Array.from({ length: 20 }, (_, i) => i);
    const b = Uint8Array.from({ length: 12 }, (_, i) => 100 + i);
    const joined = new Uint8Array([...a, ...b]);
    expect(
      formatIntelHex([
        [0xfff0, b.subarray(0, 0)],
        [0x1000 + 20, b],
        [0x1000, a],
      ]),
    ).toBe(formatIntelHex([[0x1000, joined]]));
    const overlap = Uint8Array.from(joined);
    overlap.set(b.subarray(0, 4), 18);
    expect(
      formatIntelHex([
        [0x1000, joined],
        [0x1000 + 18, b.subarray(0, 4)],
      ]),
    ).toBe(formatIntelHex([[0x1000, overlap]]));
  });
});

describe('signImage refuses', () => {
  const base: SignOptions = {
    version: { major: 1, minor: 0, revision: 0, build: 0 },
    headerSize: 32,
    slotSize: 0x1000,
  };
  const cases: [string, Partial<SignOptions>, Uint8Array, string][] = [
    [
      'a header smaller than 32 bytes',
      { headerSize: 16, padHeader: true },
      new Uint8Array(10),
      '--header-size',
    ],
    ['input that does not start with header zeros', {}, new Uint8Array(64).fill(1), '--pad-header'],
    ['input shorter than the header', {}, new Uint8Array(8), '--pad-header'],
    ['an image too large for the slot', { padHeader: true }, new Uint8Array(0x1000), '--slot-size'],
    [
      'both load and ROM addresses',
      { padHeader: true, loadAddr: 4, romFixed: 8 },
      new Uint8Array(4),
      '--rom-fixed',
    ],
    [
      'a custom TLV outside the vendor range',
      { padHeader: true, customTlvs: [{ type: 0x50, value: new Uint8Array(1) }] },
      new Uint8Array(4),
      '--custom-tlv',
    ],
    [
      'a duplicate custom TLV',
      {
        padHeader: true,
        customTlvs: [
          { type: 0xa0, value: new Uint8Array(1) },
          { type: 0xa0, value: new Uint8Array(1) },
        ],
      },
      new Uint8Array(4),
      '--custom-tlv',
    ],
    [
      'a security counter over 32 bits',
      { padHeader: true, securityCounter: 2 ** 32 },
      new Uint8Array(4),
      '--security-counter',
    ],
  ];
  it.each(cases)('%s', async (_name, extra, input, option) => {
    const err = await signImage(input, null, { ...base, ...extra }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignOptionError);
    expect((err as SignOptionError).option).toBe(option);
  });

  it('pure mode with a non-Ed25519 key, and --sha a key cannot use', async () => {
    const opts = { ...base, padHeader: true };
    await expect(
      signImage(new Uint8Array(4), testKey('ecdsa-p256').private, { ...opts, pure: true }),
    ).rejects.toThrow(SignOptionError);
    await expect(
      signImage(
        new Uint8Array(4),
        testKey('rsa-2048').private,
        { ...opts, sha: '512' },
        { subtle },
      ),
    ).rejects.toThrow(/cannot be used with --sha 512/);
  });
});
