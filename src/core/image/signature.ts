/**
 * Signature policy: the only module that calls a signature primitive, with
 * every option spelled out (code-models.md C9). What each algorithm signs is
 * research/protocols.md §1.4:
 *  - Ed25519: plain RFC 8032 Ed25519 over the image digest, or over the whole
 *    hashed region for "pure" images (SIG_PURE TLV).
 *  - ECDSA P-256: over SHA-256 of the hashed region, DER signature, possibly
 *    zero-padded to 72 bytes (`imgtool --pad-sig`).
 *  - RSA-2048/3072: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32, via WebCrypto.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { FieldflashError } from '../errors.ts';
import type { KeyType, PrivateKey, PublicKey } from '../keys/key-types.ts';
import { TlvType, type HashAlg } from './tlv-types.ts';
import type { SignatureType } from './verdict.ts';
import { asBufferView, type SubtleLike } from './webcrypto.ts';

/**
 * Ed25519: `zip215: false` selects RFC 8032 / FIPS 186-5 strict verification
 * (canonical S and point encodings), which is what MCUboot's bundled Ed25519
 * (from BoringSSL) enforces; ZIP-215's laxer rules would accept signatures the
 * device refuses.
 */
const ED25519_VERIFY = { zip215: false } as const;

/**
 * ECDSA P-256: the message we pass is already the SHA-256 digest (`prehash:
 * false`); the signature is ASN.1 DER as imgtool writes it (`format: 'der'`);
 * and high-S signatures are valid, because MCUboot (mbedTLS/tinycrypt) and
 * OpenSSL-made signatures do not normalise S (`lowS: false`). noble-curves v2
 * defaults to lowS: true and compact format, which would reject about half of
 * genuine images.
 */
const P256_VERIFY = { prehash: false, lowS: false, format: 'der' } as const;

/** RSASSA-PSS parameters MCUboot uses (image_rsa.c `PSS_HLEN 32`, `PSS_SLEN 32`). */
const RSA_PSS_IMPORT = { name: 'RSA-PSS', hash: 'SHA-256' } as const;
const RSA_PSS_VERIFY = { name: 'RSA-PSS', saltLength: 32 } as const;

/** The key type each signature TLV needs. ECDSA224 (0x21) is no longer supported by MCUboot. */
export const KEY_TYPE_FOR_SIGNATURE: ReadonlyMap<number, KeyType> = new Map([
  [TlvType.ED25519, 'ed25519'],
  [TlvType.ECDSA_SIG, 'ecdsa-p256'],
  [TlvType.RSA2048_PSS, 'rsa-2048'],
  [TlvType.RSA3072_PSS, 'rsa-3072'],
]);

export function signatureTypeOf(tlvType: number, pure: boolean): SignatureType | null {
  switch (tlvType) {
    case TlvType.ED25519:
      return pure ? 'ed25519-pure' : 'ed25519';
    case TlvType.ECDSA_SIG:
      return 'ecdsa-p256';
    case TlvType.RSA2048_PSS:
      return 'rsa-2048-pss';
    case TlvType.RSA3072_PSS:
      return 'rsa-3072-pss';
    default:
      return null;
  }
}

/** RSA verification needs WebCrypto; it is missing outside secure contexts (plain http). */
export class CryptoUnavailableError extends FieldflashError {
  readonly code = 'crypto-unavailable';
  constructor(readonly algorithm: string) {
    super(
      `${algorithm} needs the browser's WebCrypto, which is only available on https:// or localhost pages`,
    );
  }
}

/**
 * The image hash each signature type works with. RSA-PSS and ECDSA P-256 sign
 * SHA-256 (MCUboot image_rsa.c requires a 32-byte hash; imgtool signs P-256
 * with SHA-256); Ed25519 signs the 32- or 64-byte image digest
 * (image_ed25519.c, `mlen == IMAGE_HASH_SIZE`); pure Ed25519 images carry
 * SHA-512 (imgtool `ALLOWED_PURE_KEY_SHA`). A hash TLV of another algorithm
 * is one MCUboot's build for that signature does not check.
 */
export const HASHES_FOR_SIGNATURE: Readonly<Record<SignatureType, readonly HashAlg[]>> = {
  ed25519: ['sha256', 'sha512'],
  'ed25519-pure': ['sha512'],
  'ecdsa-p256': ['sha256'],
  'rsa-2048-pss': ['sha256'],
  'rsa-3072-pss': ['sha256'],
};

/** Largest ECDSA signature TLV MCUboot reads (image_validate.c `SIG_BUF_SIZE` 128 for EC). */
const ECDSA_SIG_MAX = 128;

export interface SignatureInput {
  readonly tlvType: number;
  readonly signature: Uint8Array;
  readonly key: PublicKey;
  /** The image digest of this signature's hash algorithm (what Ed25519 and ECDSA sign). */
  readonly digest: () => Promise<Uint8Array>;
  /** The hashed region itself (what pure Ed25519 and RSA-PSS sign). */
  readonly region: Uint8Array;
  readonly pure: boolean;
  readonly subtle: SubtleLike | undefined;
}

export type SignatureProblem = 'invalid' | 'malformed' | 'unavailable';

export type SignatureCheck =
  | { readonly valid: true }
  | { readonly valid: false; readonly problem: SignatureProblem; readonly detail: string };

const rsaKeys = new WeakMap<PublicKey, Promise<unknown>>();

export async function checkSignature(input: SignatureInput): Promise<SignatureCheck> {
  const { signature, key } = input;
  const wanted = KEY_TYPE_FOR_SIGNATURE.get(input.tlvType);
  if (wanted !== key.type) {
    return {
      valid: false,
      problem: 'invalid',
      detail: `a ${wanted ?? 'unsupported'} signature cannot be checked with a ${key.type} key`,
    };
  }
  switch (key.type) {
    case 'ed25519': {
      if (signature.length !== 64)
        return malformed(`an Ed25519 signature is 64 bytes, found ${signature.length}`);
      const message = input.pure ? input.region : await input.digest();
      return verdict(safe(() => ed25519.verify(signature, message, key.raw, ED25519_VERIFY)));
    }
    case 'ecdsa-p256': {
      if (signature.length > ECDSA_SIG_MAX) {
        return malformed(
          `the ECDSA signature TLV is ${signature.length} bytes; MCUboot reads at most ${ECDSA_SIG_MAX}`,
        );
      }
      const der = unpadDer(signature);
      if (!der)
        return malformed('the ECDSA signature is not a DER SEQUENCE followed only by zero padding');
      const digest = await input.digest();
      return verdict(safe(() => p256.verify(der, digest, key.raw, P256_VERIFY)));
    }
    case 'rsa-2048':
    case 'rsa-3072': {
      const size = key.type === 'rsa-2048' ? 256 : 384;
      if (signature.length !== size)
        return malformed(`an ${key.type} signature is ${size} bytes, found ${signature.length}`);
      const subtle = input.subtle;
      if (!subtle)
        return {
          valid: false,
          problem: 'unavailable',
          detail: new CryptoUnavailableError('RSA-PSS verification').message,
        };
      let imported = rsaKeys.get(key);
      if (!imported) {
        imported = subtle.importKey('spki', asBufferView(key.spki), RSA_PSS_IMPORT, false, [
          'verify',
        ]);
        rsaKeys.set(key, imported);
      }
      const ok = await subtle.verify(
        RSA_PSS_VERIFY,
        await imported,
        asBufferView(signature),
        asBufferView(input.region),
      );
      return verdict(ok);
    }
  }
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false; // malformed point or DER inside the primitive: not a valid signature
  }
}

function verdict(ok: boolean): SignatureCheck {
  return ok
    ? { valid: true }
    : { valid: false, problem: 'invalid', detail: 'the signature does not verify' };
}

function malformed(detail: string): SignatureCheck {
  return { valid: false, problem: 'malformed', detail };
}

/**
 * The DER SEQUENCE at the start of an ECDSA TLV. `imgtool --pad-sig` appends
 * zeros up to 72 bytes for MCUboot < 1.5, so the length comes from the DER
 * header, and anything after it must be zero padding.
 */
function unpadDer(sig: Uint8Array): Uint8Array | null {
  if (sig[0] !== 0x30 || sig.length < 2) return null;
  const len = sig[1] ?? 0;
  if (len >= 0x80 || len + 2 > sig.length) return null;
  const tail = sig.subarray(len + 2);
  if (tail.some((b) => b !== 0)) return null;
  return sig.subarray(0, len + 2);
}

export interface SigningInput {
  /** The image digest (what non-pure Ed25519 signs). */
  readonly digest: Uint8Array;
  /** SHA-256 of the region (what ECDSA P-256 signs). */
  readonly sha256: Uint8Array;
  /** The hashed region (what pure Ed25519 and RSA-PSS sign). */
  readonly region: Uint8Array;
  readonly pure: boolean;
  /** `imgtool --pad-sig`: zero-pad the ECDSA DER signature to 72 bytes (MCUboot < 1.5). */
  readonly padSig: boolean;
  readonly subtle: SubtleLike | undefined;
}

/** The signature TLV type and value for `key`, made as imgtool makes them. */
export async function createSignature(
  key: PrivateKey,
  input: SigningInput,
): Promise<{ readonly tlvType: number; readonly value: Uint8Array }> {
  switch (key.type) {
    case 'ed25519': {
      // RFC 8032 Ed25519 is deterministic: the same bytes as imgtool's `sign_digest`.
      const message = input.pure ? input.region : input.digest;
      return { tlvType: TlvType.ED25519, value: ed25519.sign(message, key.seed) };
    }
    case 'ecdsa-p256': {
      // RFC 6979 deterministic nonce, low-S form; MCUboot accepts any valid (r, s).
      const der = p256.sign(input.sha256, key.scalar, P256_SIGN);
      const value = input.padSig ? padTo(der, 72) : der;
      return { tlvType: TlvType.ECDSA_SIG, value };
    }
    case 'rsa-2048':
    case 'rsa-3072': {
      const subtle = input.subtle;
      if (!subtle) throw new CryptoUnavailableError('RSA-PSS signing');
      const cryptoKey = await subtle.importKey(
        'pkcs8',
        asBufferView(key.pkcs8),
        RSA_PSS_IMPORT,
        false,
        ['sign'],
      );
      const value = new Uint8Array(
        await subtle.sign(RSA_PSS_VERIFY, cryptoKey, asBufferView(input.region)),
      );
      return {
        tlvType: key.type === 'rsa-2048' ? TlvType.RSA2048_PSS : TlvType.RSA3072_PSS,
        value,
      };
    }
  }
}

const P256_SIGN = { prehash: false, lowS: true, format: 'der' } as const;

function padTo(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(Math.max(size, bytes.length));
  out.set(bytes);
  return out;
}
