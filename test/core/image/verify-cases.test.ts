/**
 * verifyImage on hand-built images: the rules the imgtool vectors do not
 * exercise (TLV allow list, field sizes, several signatures, encryption,
 * missing WebCrypto).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  CryptoUnavailableError,
  encodeHeader,
  IMAGE_MAGIC,
  ImageFlag,
  signImage,
  TLV_INFO_MAGIC,
  TLV_PROT_INFO_MAGIC,
  TlvType,
  verifyImage,
  type ImageVerdict,
} from '../../../src/core/image/index.ts';
import { encodeTlvArea, type TlvRecord } from '../../../src/core/image/tlv-writer.ts';
import { subtle } from '../../helpers/crypto.ts';
import { testKey } from '../../helpers/keys.ts';

const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);

interface Build {
  prot?: TlvRecord[];
  /** Unprotected TLVs; a function gets the region and its SHA-256 to sign. */
  unprot: (region: Uint8Array, digest: Uint8Array) => TlvRecord[];
  flags?: number;
  hdrSize?: number;
}

function build({ prot = [], unprot, flags = 0, hdrSize = 32 }: Build): Uint8Array {
  const protArea = encodeTlvArea(TLV_PROT_INFO_MAGIC, prot);
  const header = encodeHeader({
    magic: IMAGE_MAGIC,
    loadAddr: 0,
    hdrSize,
    protectTlvSize: protArea.length,
    imgSize: body.length,
    flags,
    version: { major: 1, minor: 2, revision: 3, build: 0 },
  });
  const region = new Uint8Array([...header, ...new Uint8Array(hdrSize - 32), ...body, ...protArea]);
  return new Uint8Array([
    ...region,
    ...encodeTlvArea(TLV_INFO_MAGIC, unprot(region, sha256(region))),
  ]);
}

const ed = testKey('ed25519');
const other = testKey('ecdsa-p256');
const edSeed = ed.private.type === 'ed25519' ? ed.private.seed : new Uint8Array();
const hashTlv = (d: Uint8Array): TlvRecord => ({ type: TlvType.SHA256, value: d });
const keyHash = (k = ed): TlvRecord => ({
  type: TlvType.KEYHASH,
  value: k.trusted.keyHashes.sha256,
});
const edSig = (d: Uint8Array): TlvRecord => ({
  type: TlvType.ED25519,
  value: ed25519.sign(d, edSeed),
});
const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);

async function verdict(bytes: Uint8Array, keys = [ed.trusted]): Promise<ImageVerdict> {
  return verifyImage(bytes, keys, { subtle });
}
const reason = async (bytes: Uint8Array, keys = [ed.trusted]) => {
  const v = await verdict(bytes, keys);
  return v.ok ? 'valid' : v.reason;
};

describe('verifyImage rules', () => {
  it('a well-formed hand-built image is valid (the builder is right)', async () => {
    const img = build({
      prot: [{ type: TlvType.SEC_CNT, value: u32(9) }],
      unprot: (_, d) => [hashTlv(d), keyHash(), edSig(d)],
    });
    const v = await verdict(img);
    expect(v.ok && v.securityCounter).toBe(9);
  });

  it('refuses TLVs outside the allow list in the unprotected area, and key/hash TLVs in the protected one', async () => {
    const secCntUnprotected = build({
      unprot: (_, d) => [hashTlv(d), { type: TlvType.SEC_CNT, value: u32(1) }, keyHash(), edSig(d)],
    });
    expect(await reason(secCntUnprotected)).toBe('bad-tlv');
    const vendorUnprotected = build({
      unprot: (_, d) => [hashTlv(d), { type: 0xa0, value: u32(1) }],
    });
    expect(await reason(vendorUnprotected, [])).toBe('bad-tlv');
    const keyHashProtected = build({ prot: [keyHash()], unprot: (_, d) => [hashTlv(d), edSig(d)] });
    expect(await reason(keyHashProtected)).toBe('bad-tlv');
  });

  it('checks field sizes: SEC_CNT, DEPENDENCY, SIG_PURE, hash and signature lengths', async () => {
    const sized = (prot: TlvRecord[]) =>
      build({ prot, unprot: (_, d) => [hashTlv(d), keyHash(), edSig(d)] });
    expect(await reason(sized([{ type: TlvType.SEC_CNT, value: new Uint8Array(3) }]))).toBe(
      'bad-tlv',
    );
    expect(
      await reason(
        sized([
          { type: TlvType.SEC_CNT, value: u32(1) },
          { type: TlvType.SEC_CNT, value: u32(2) },
        ]),
      ),
    ).toBe('bad-tlv');
    expect(await reason(sized([{ type: TlvType.DEPENDENCY, value: new Uint8Array(8) }]))).toBe(
      'bad-tlv',
    );
    const badPure = build({
      unprot: (_, d) => [
        hashTlv(d),
        { type: TlvType.SIG_PURE, value: Uint8Array.of(0) },
        keyHash(),
        edSig(d),
      ],
    });
    expect(await reason(badPure)).toBe('bad-tlv');
    const shortHash = build({ unprot: (_, d) => [hashTlv(d.subarray(0, 31))] });
    expect(await reason(shortHash, [])).toBe('bad-hash');
    const shortSig = build({
      unprot: (_, d) => [
        hashTlv(d),
        keyHash(),
        { type: TlvType.ED25519, value: new Uint8Array(63) },
      ],
    });
    expect(await reason(shortSig)).toBe('bad-signature');
  });

  it('checks every hash TLV present', async () => {
    const both = (good: boolean) =>
      build({
        unprot: (r, d) => [
          hashTlv(d),
          { type: TlvType.SHA512, value: good ? sha512(r) : new Uint8Array(64) },
          keyHash(),
          edSig(d),
        ],
      });
    expect(await reason(both(true))).toBe('valid');
    expect(await reason(both(false))).toBe('bad-hash');
  });

  it('accepts an image with a trusted valid signature beside an untrusted one', async () => {
    const img = build({
      unprot: (_, d) => [
        hashTlv(d),
        keyHash(other),
        { type: TlvType.ECDSA_SIG, value: new Uint8Array(70).fill(0x30) },
        keyHash(),
        edSig(d),
      ],
    });
    const v = await verdict(img);
    expect(v.ok && v.signature?.signer?.name).toBe(ed.trusted.name);
  });

  it('refuses an image where a trusted key signature fails, even beside a valid one', async () => {
    const img = build({
      unprot: (_, d) => [
        hashTlv(d),
        keyHash(),
        edSig(d),
        keyHash(),
        { type: TlvType.ED25519, value: new Uint8Array(64) },
      ],
    });
    expect(await reason(img)).toBe('bad-signature');
  });

  it('a signature no key TLV names is unknown-key; one by an untrusted key is wrong-key', async () => {
    expect(await reason(build({ unprot: (_, d) => [hashTlv(d), edSig(d)] }))).toBe('unknown-key');
    expect(
      await reason(build({ unprot: (_, d) => [hashTlv(d), keyHash(), edSig(d)] }), [
        testKey('rsa-2048').trusted,
      ]),
    ).toBe('wrong-key');
    expect(await reason(build({ unprot: (_, d) => [hashTlv(d)] }))).toBe('missing-signature');
  });

  it('an encrypted body is "unsupported", but a --clear image with the flag verifies', async () => {
    const clear = build({
      flags: ImageFlag.ENCRYPTED_AES128,
      unprot: (_, d) => [hashTlv(d), keyHash(), edSig(d)],
    });
    const v = await verdict(clear);
    expect(v.ok && v.flagNames).toEqual(['ENCRYPTED_AES128']);
    const encrypted = build({
      flags: ImageFlag.ENCRYPTED_AES256,
      unprot: () => [hashTlv(new Uint8Array(32))],
    });
    expect(await reason(encrypted, [])).toBe('unsupported');
  });

  it('names erased flash, a short header and an empty file', async () => {
    const erased = new Uint8Array(64).fill(0xff);
    const v = await verdict(erased);
    expect(!v.ok && v.reason).toBe('bad-magic');
    expect(!v.ok && v.detail).toMatch(/erased/);
    const img = build({ unprot: (_, d) => [hashTlv(d)] });
    img[8] = 16; // ih_hdr_size = 16
    img[9] = 0;
    expect(await reason(img, [])).toBe('bad-magic');
    expect(await reason(new Uint8Array(0))).toBe('truncated');
    expect(await reason(img.subarray(0, 20))).toBe('truncated');
  });

  it('a protected area the header does not declare is bad-tlv', async () => {
    const img = build({
      prot: [{ type: TlvType.SEC_CNT, value: u32(1) }],
      unprot: (_, d) => [hashTlv(d)],
    });
    img[10] = 0; // ih_protect_tlv_size = 0
    img[11] = 0;
    expect(await reason(img, [])).toBe('bad-tlv');
  });

  it('with keys but requireSignature: false, only the hash is checked', async () => {
    const img = build({
      unprot: (_, d) => [
        hashTlv(d),
        keyHash(),
        { type: TlvType.ED25519, value: new Uint8Array(64) },
      ],
    });
    const v = await verifyImage(img, [ed.trusted], { subtle, requireSignature: false });
    expect(v.ok && v.signature).toEqual({ type: 'ed25519', checked: false, signer: null });
  });

  it('works without WebCrypto for curves (pure-JS hashing), and says RSA needs it', async () => {
    const img = build({ unprot: (_, d) => [hashTlv(d), keyHash(), edSig(d)] });
    expect((await verifyImage(img, [ed.trusted])).ok).toBe(true);
    const rsa = testKey('rsa-2048');
    const { image } = await signImage(
      body,
      rsa.private,
      {
        version: { major: 1, minor: 0, revision: 0, build: 0 },
        headerSize: 32,
        padHeader: true,
        slotSize: 0x8000,
      },
      { subtle },
    );
    const without = await verifyImage(image, [rsa.trusted]);
    expect(without.ok ? 'valid' : [without.reason, without.detail]).toEqual([
      'unsupported',
      new CryptoUnavailableError('RSA-PSS verification').message,
    ]);
    expect((await verifyImage(image, [rsa.trusted], { subtle })).ok).toBe(true);
  });

  it('ties the hash algorithm to the signature type, as MCUboot builds do', async () => {
    const withHash = (
      alg: 'sha384' | 'sha512',
      type: number,
      sign: (d: Uint8Array) => Uint8Array,
      k = ed,
    ) =>
      build({
        unprot: (r) => {
          const d = alg === 'sha384' ? sha384(r) : sha512(r);
          return [
            { type: alg === 'sha384' ? TlvType.SHA384 : TlvType.SHA512, value: d },
            { type: TlvType.KEYHASH, value: k.trusted.keyHashes[alg] },
            { type, value: sign(d) },
          ];
        },
      });
    // Ed25519 over a SHA-384 digest: no MCUboot build checks a SHA384 TLV for Ed25519.
    expect(await reason(withHash('sha384', TlvType.ED25519, (d) => ed25519.sign(d, edSeed)))).toBe(
      'missing-hash',
    );
    // Ed25519 over SHA-512 is valid (MCUBOOT_SHA512), keyed by a SHA-512 KEYHASH.
    expect(await reason(withHash('sha512', TlvType.ED25519, (d) => ed25519.sign(d, edSeed)))).toBe(
      'valid',
    );
    // ECDSA P-256 and RSA-PSS need the SHA256 TLV.
    const ec = testKey('ecdsa-p256');
    const ecScalar = ec.private.type === 'ecdsa-p256' ? ec.private.scalar : new Uint8Array();
    const ecImage = withHash(
      'sha512',
      TlvType.ECDSA_SIG,
      (d) => p256.sign(d.subarray(0, 32), ecScalar, { prehash: false, format: 'der' }),
      ec,
    );
    expect(await reason(ecImage, [ec.trusted])).toBe('missing-hash');
  });

  it('matches KEYHASH under the image hash algorithm, over the TLV length (bootutil_find_key)', async () => {
    const sha512KeyHash = build({
      unprot: (_, d) => [
        hashTlv(d),
        { type: TlvType.KEYHASH, value: ed.trusted.keyHashes.sha512 },
        edSig(d),
      ],
    });
    expect(await reason(sha512KeyHash)).toBe('unknown-key');
    const shortKeyHash = build({
      unprot: (_, d) => [
        hashTlv(d),
        { type: TlvType.KEYHASH, value: ed.trusted.keyHashes.sha256.subarray(0, 8) },
        edSig(d),
      ],
    });
    const v = await verdict(shortKeyHash);
    expect(v.ok && v.signature?.signer?.matchedBy).toBe('keyhash');
  });

  it('refuses an ECDSA signature TLV longer than the 128 bytes MCUboot reads', async () => {
    const ec = testKey('ecdsa-p256');
    const ecScalar = ec.private.type === 'ecdsa-p256' ? ec.private.scalar : new Uint8Array();
    const sig = (d: Uint8Array, size: number) => {
      const der = p256.sign(d, ecScalar, { prehash: false, format: 'der' });
      const out = new Uint8Array(size);
      out.set(der);
      return out;
    };
    const padded = (size: number) =>
      build({
        unprot: (_, d) => [
          hashTlv(d),
          { type: TlvType.KEYHASH, value: ec.trusted.keyHashes.sha256 },
          { type: TlvType.ECDSA_SIG, value: sig(d, size) },
        ],
      });
    expect(await reason(padded(128), [ec.trusted])).toBe('valid');
    expect(await reason(padded(129), [ec.trusted])).toBe('bad-signature');
  });
});
