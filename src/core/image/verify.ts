/**
 * `verifyImage`: the verdict on an image against pinned keys, in MCUboot's
 * order (`bootutil_img_validate`, MCUboot image_validate.c): structure, hash
 * TLV against the computed hash, then each signature with the key its
 * KEYHASH/PUBKEY TLV names. Bad data never throws; it yields a verdict.
 * @module
 */
import { bytesToHex, equalBytes } from '../bytes.ts';
import { keyIdentity, type TrustedKey } from '../keys/trusted-key.ts';
import { flagNames, ImageFlag } from './header.ts';
import { digestRegion, DIGEST_SIZE } from './hasher.ts';
import { readManifest, type ImageManifest, type SignedBy } from './manifest.ts';
import { parseImage, type ParsedImage, type TlvEntry } from './parse.ts';
import {
  checkSignature,
  KEY_TYPE_FOR_SIGNATURE,
  signatureTypeOf,
  type SignatureCheck,
} from './signature.ts';
import { HASH_TLV_FOR_ALG, TlvType, type HashAlg } from './tlv-types.ts';
import { readTrailer } from './trailer.ts';
import { formatVersion } from './version.ts';
import { invalid, type ImageInvalid, type ImageVerdict, type SignatureInfo } from './verdict.ts';
import type { SubtleLike } from './webcrypto.ts';

export interface VerifyOptions {
  /**
   * WebCrypto (`crypto.subtle`). Needed for RSA-PSS images; also hashes about
   * ten times faster than the pure-JS fallback.
   */
  readonly subtle?: SubtleLike | undefined;
  /**
   * Demand a valid signature by one of the trusted keys. Defaults to true when
   * keys are given; with no keys the check is hash-only (unsigned images).
   */
  readonly requireSignature?: boolean;
}

export async function verifyImage(
  bytes: Uint8Array,
  trustedKeys: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<ImageVerdict> {
  const parsed = parseImage(bytes);
  if (!parsed.ok) return parsed;
  const image = parsed.image;
  const read = readManifest(image);
  if (!read.ok) return read;
  const manifest = read.manifest;
  const version = formatVersion(image.header.version);

  const primary = manifest.hashes[0];
  if (!primary)
    return invalid('missing-hash', 'the image has no SHA256/SHA384/SHA512 hash TLV', version);

  const region = bytes.subarray(0, image.hashedLength);
  const digests = new Map<HashAlg, Promise<Uint8Array>>();
  const digestOf = (alg: HashAlg) => {
    let d = digests.get(alg);
    if (!d) digests.set(alg, (d = digestRegion(alg, region, options.subtle)));
    return d;
  };
  const requireSignature = options.requireSignature ?? trustedKeys.length > 0;
  const check = memoizedChecks({
    digestOf,
    primaryAlg: primary.alg,
    region,
    subtle: options.subtle,
    pure: manifest.pure,
  });
  if (requireSignature) {
    // RSA-PSS re-hashes the region inside WebCrypto (off the main thread), so start
    // it now to run beside our own digest; its result only counts if the hash
    // checks below pass, as in the bootloader. Curve checks wait for the hash.
    for (const signed of manifest.signatures) {
      const key = namedKey(signed.key, trustedKeys);
      if (key?.type.startsWith('rsa')) check(signed, key).catch(() => undefined);
    }
  }

  for (const { alg, entry } of manifest.hashes) {
    const name = entry.name;
    if (entry.len !== DIGEST_SIZE[alg]) {
      return invalid(
        'bad-hash',
        `the ${name} TLV is ${entry.len} bytes; a ${name} digest is ${DIGEST_SIZE[alg]}`,
        version,
      );
    }
    const computed = await digestOf(alg);
    if (!equalBytes(computed, entry.value)) {
      if (manifest.encrypted) {
        return invalid(
          'unsupported',
          'the image body is encrypted; its hash covers the plaintext, which only the device can decrypt, so it cannot be verified here',
          version,
        );
      }
      return invalid(
        'bad-hash',
        `the image has been altered: its ${name} is ${bytesToHex(computed)} but the ${name} TLV says ${bytesToHex(entry.value)}`,
        version,
      );
    }
  }

  let signature: SignatureInfo | null = null;
  if (requireSignature) {
    const judged = await judgeSignatures(image, manifest, trustedKeys, check);
    if ('reason' in judged) return judged;
    signature = judged;
  } else if (manifest.signatures[0]) {
    const first = manifest.signatures[0];
    const type = signatureTypeOf(first.signature.type, manifest.pure);
    if (type) signature = { type, checked: false, signer: null };
  }

  const sha256Tlv = manifest.hashes.find((h) => h.entry.type === HASH_TLV_FOR_ALG.sha256);
  return {
    ok: true,
    version: image.header.version,
    versionText: version,
    hashAlg: primary.alg,
    imageHash: bytesToHex(primary.entry.value),
    sha256: sha256Tlv ? bytesToHex(sha256Tlv.entry.value) : null,
    signature,
    securityCounter: manifest.securityCounter,
    dependencies: manifest.dependencies,
    loadAddr: image.header.loadAddr,
    flags: image.header.flags,
    flagNames: flagNames(image.header.flags),
    bootable: (image.header.flags & ImageFlag.NON_BOOTABLE) === 0,
    layout: image.layout,
    trailer: readTrailer(bytes, image.layout.tlvEnd),
  };
}

interface SignatureContext {
  readonly digestOf: (alg: HashAlg) => Promise<Uint8Array>;
  readonly primaryAlg: HashAlg;
  readonly region: Uint8Array;
  readonly subtle: SubtleLike | undefined;
  readonly pure: boolean;
}

type Check = (signed: SignedBy, key: TrustedKey) => Promise<SignatureCheck>;

/** checkSignature, computed at most once per (signature TLV, key). */
function memoizedChecks(ctx: SignatureContext): Check {
  const done = new Map<TlvEntry, Map<TrustedKey, Promise<SignatureCheck>>>();
  return (signed, key) => {
    let perKey = done.get(signed.signature);
    if (!perKey)
      done.set(signed.signature, (perKey = new Map<TrustedKey, Promise<SignatureCheck>>()));
    let result = perKey.get(key);
    if (!result) {
      result = checkSignature({
        tlvType: signed.signature.type,
        signature: signed.signature.value,
        key,
        pure: ctx.pure,
        region: ctx.region,
        digest: ctx.digestOf(ctx.primaryAlg),
        sha256: () => ctx.digestOf('sha256'),
        subtle: ctx.subtle,
      });
      perKey.set(key, result);
    }
    return result;
  };
}

/** The trusted key a KEYHASH or PUBKEY TLV names, if any (bootutil_find_key). */
function namedKey(keyTlv: SignedBy['key'], keys: readonly TrustedKey[]): TrustedKey | undefined {
  if (!keyTlv) return undefined;
  if (keyTlv.type === TlvType.PUBKEY) return keys.find((k) => equalBytes(k.embedded, keyTlv.value));
  const alg = ({ 32: 'sha256', 48: 'sha384', 64: 'sha512' } as const)[keyTlv.len as 32 | 48 | 64];
  return alg && keys.find((k) => equalBytes(k.keyHashes[alg], keyTlv.value));
}

async function judgeSignatures(
  image: ParsedImage,
  manifest: ImageManifest,
  keys: readonly TrustedKey[],
  check: Check,
): Promise<SignatureInfo | ImageInvalid> {
  const version = formatVersion(image.header.version);
  if (manifest.signatures.length === 0) {
    return invalid(
      'missing-signature',
      'the image is not signed, but a signature by a trusted key is required',
      version,
    );
  }
  let accepted: SignatureInfo | null = null;
  const unnamed: SignedBy[] = [];
  for (const signed of manifest.signatures) {
    const key = namedKey(signed.key, keys);
    const type = signatureTypeOf(signed.signature.type, manifest.pure);
    if (!key || !type) {
      unnamed.push(signed);
      continue;
    }
    const result = await check(signed, key);
    if (!result.valid) {
      return invalid(
        'bad-signature',
        `the ${signed.signature.name} signature at offset ${signed.signature.offset} names trusted key "${key.name}" (${key.keyId}) but ${result.detail}`,
        version,
      );
    }
    accepted ??= {
      type,
      checked: true,
      signer: {
        ...keyIdentity(key),
        matchedBy: signed.key?.type === TlvType.PUBKEY ? 'pubkey' : 'keyhash',
      },
    };
  }
  if (accepted) return accepted;

  // No signature names a trusted key. Tell a key TLV that lies (the signature is in
  // fact by a trusted key) from an image signed by someone else.
  for (const signed of unnamed) {
    const wanted = KEY_TYPE_FOR_SIGNATURE.get(signed.signature.type);
    for (const key of keys.filter((k) => k.type === wanted)) {
      if ((await check(signed, key)).valid) {
        const what = signed.key
          ? `its ${signed.key.name} TLV does not name that key`
          : 'no KEYHASH/PUBKEY TLV names its key';
        return invalid(
          'unknown-key',
          `the ${signed.signature.name} signature is by trusted key "${key.name}" (${key.keyId}), but ${what}, so MCUboot would skip it`,
          version,
        );
      }
    }
  }
  // Here every signature is unnamed (none names a trusted key), so there is a first.
  const first = unnamed[0];
  if (!first?.key) {
    return invalid(
      'unknown-key',
      `the ${first?.signature.name ?? 'signature'} TLV has no KEYHASH/PUBKEY TLV before it naming its key`,
      version,
    );
  }
  const named =
    first.key.type === TlvType.PUBKEY
      ? 'the key carried in its PUBKEY TLV'
      : `the key with hash ${bytesToHex(first.key.value).slice(0, 16)}…`;
  const trusted = keys.map((k) => `"${k.name}" (${k.keyId})`).join(', ') || 'none';
  return invalid(
    'wrong-key',
    `the image is signed (${first.signature.name}) by ${named}, which is not a trusted key; trusted: ${trusted}`,
    version,
  );
}
