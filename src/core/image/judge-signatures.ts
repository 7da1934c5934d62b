/**
 * The signature half of verification, as the bootloader does it
 * (`bootutil_img_validate`, `bootutil_find_key`, MCUboot image_validate.c and
 * bootutil_find_key.c): each signature TLV is checked with the key named by
 * the KEYHASH/PUBKEY TLV before it, using the image hash its algorithm works
 * with; a signature whose key is not trusted is skipped.
 * @module
 */
import { bytesToHex, equalBytes } from '../bytes.ts';
import { keyIdentity, type TrustedKey } from '../keys/trusted-key.ts';
import { DIGEST_SIZE } from './hasher.ts';
import type { HashTlv, ImageManifest, SignedBy } from './manifest.ts';
import type { TlvEntry } from './parse.ts';
import {
  checkSignature,
  HASHES_FOR_SIGNATURE,
  KEY_TYPE_FOR_SIGNATURE,
  signatureTypeOf,
  type SignatureCheck,
} from './signature.ts';
import { TlvType, type HashAlg } from './tlv-types.ts';
import { invalid, type ImageInvalid, type SignatureInfo, type SignatureType } from './verdict.ts';
import type { SubtleLike } from './webcrypto.ts';

/** The hash TLV a signature of `type` relies on: the first of an algorithm it works with. */
export function hashForSignature(
  type: SignatureType,
  hashes: readonly HashTlv[],
): HashTlv | undefined {
  return hashes.find((h) => HASHES_FOR_SIGNATURE[type].includes(h.alg));
}

/**
 * The trusted key a KEYHASH or PUBKEY TLV names. Like `bootutil_find_key`, a
 * KEYHASH is compared, over its own length, with each key's hash under the
 * image hash algorithm, and one longer than that digest names nothing.
 */
export function namedKey(
  keyTlv: TlvEntry | null,
  keys: readonly TrustedKey[],
  alg: HashAlg,
): TrustedKey | undefined {
  if (!keyTlv) return undefined;
  if (keyTlv.type === TlvType.PUBKEY) return keys.find((k) => equalBytes(k.embedded, keyTlv.value));
  if (keyTlv.len > DIGEST_SIZE[alg]) return undefined;
  return keys.find((k) => equalBytes(k.keyHashes[alg].subarray(0, keyTlv.len), keyTlv.value));
}

export interface CheckContext {
  readonly digestOf: (alg: HashAlg) => Promise<Uint8Array>;
  readonly region: Uint8Array;
  readonly subtle: SubtleLike | undefined;
  readonly pure: boolean;
}

export type Check = (signed: SignedBy, key: TrustedKey, alg: HashAlg) => Promise<SignatureCheck>;

/** checkSignature, run at most once per (signature TLV, key), so a check started early is reused. */
export function memoizedChecks(ctx: CheckContext): Check {
  const done = new Map<TlvEntry, Map<TrustedKey, Promise<SignatureCheck>>>();
  return (signed, key, alg) => {
    const perKey = done.get(signed.signature) ?? new Map<TrustedKey, Promise<SignatureCheck>>();
    done.set(signed.signature, perKey);
    let result = perKey.get(key);
    if (!result) {
      result = checkSignature({
        tlvType: signed.signature.type,
        signature: signed.signature.value,
        key,
        pure: ctx.pure,
        region: ctx.region,
        digest: () => ctx.digestOf(alg),
        subtle: ctx.subtle,
      });
      perKey.set(key, result);
    }
    return result;
  };
}

export interface Accepted {
  readonly signature: SignatureInfo;
  /** The hash TLV the accepted signature relies on: the image hash to report. */
  readonly hash: HashTlv;
}

export async function judgeSignatures(
  manifest: ImageManifest,
  keys: readonly TrustedKey[],
  check: Check,
  version: string,
): Promise<Accepted | ImageInvalid> {
  if (manifest.signatures.length === 0) {
    return invalid(
      'missing-signature',
      'the image is not signed, but a signature by a trusted key is required',
      version,
    );
  }
  let accepted: Accepted | null = null;
  const skipped: { signed: SignedBy; alg: HashAlg | null }[] = [];
  for (const signed of manifest.signatures) {
    const type = signatureTypeOf(signed.signature.type, manifest.pure);
    const hash = type && hashForSignature(type, manifest.hashes);
    if (type && !hash) {
      const need = HASHES_FOR_SIGNATURE[type].map((a) => a.toUpperCase()).join(' or ');
      const have = manifest.hashes.map((h) => h.entry.name).join(', ');
      return invalid(
        'missing-hash',
        `the ${signed.signature.name} signature needs a ${need} hash TLV, which MCUboot checks for it; this image has only ${have}`,
        version,
      );
    }
    const key = hash && namedKey(signed.key, keys, hash.alg);
    if (!type || !hash || !key) {
      skipped.push({ signed, alg: hash?.alg ?? null });
      continue;
    }
    const result = await check(signed, key, hash.alg);
    if (!result.valid) {
      if (result.problem === 'unavailable') return invalid('unsupported', result.detail, version);
      return invalid(
        'bad-signature',
        `the ${signed.signature.name} signature at offset ${signed.signature.offset} names trusted key "${key.name}" (${key.keyId}) but ${result.detail}`,
        version,
      );
    }
    accepted ??= {
      hash,
      signature: {
        type,
        checked: true,
        signer: {
          ...keyIdentity(key),
          matchedBy: signed.key?.type === TlvType.PUBKEY ? 'pubkey' : 'keyhash',
        },
      },
    };
  }
  return accepted ?? explainSkipped(skipped, keys, check, version);
}

/**
 * No signature names a trusted key. Tell a key TLV that lies (the signature is
 * in fact by a trusted key, so the TLV was damaged) from an image signed by
 * someone else.
 */
async function explainSkipped(
  skipped: readonly { signed: SignedBy; alg: HashAlg | null }[],
  keys: readonly TrustedKey[],
  check: Check,
  version: string,
): Promise<ImageInvalid> {
  for (const { signed, alg } of skipped) {
    const wanted = KEY_TYPE_FOR_SIGNATURE.get(signed.signature.type);
    for (const key of alg ? keys.filter((k) => k.type === wanted) : []) {
      if ((await check(signed, key, alg ?? 'sha256')).valid) {
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
  const first = skipped[0]?.signed;
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
