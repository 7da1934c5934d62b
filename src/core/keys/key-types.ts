/**
 * The public and private key shapes fieldflash works with, and their error.
 * @module
 */
import { FieldflashError } from '../errors.ts';

/** The signature key types MCUboot supports and fieldflash verifies and signs with. */
export type KeyType = 'ed25519' | 'ecdsa-p256' | 'rsa-2048' | 'rsa-3072';

export const KEY_TYPES: readonly KeyType[] = ['ed25519', 'ecdsa-p256', 'rsa-2048', 'rsa-3072'];

export interface PublicKey {
  readonly type: KeyType;
  /**
   * The bytes MCUboot compiles in and KEYHASH hashes (and a PUBKEY TLV carries):
   * SubjectPublicKeyInfo DER for Ed25519 and EC, PKCS#1 RSAPublicKey DER for RSA
   * (research/protocols.md §1.5; imgtool `get_public_bytes()`).
   */
  readonly embedded: Uint8Array;
  /** SubjectPublicKeyInfo DER: what a "PUBLIC KEY" PEM holds and WebCrypto imports. */
  readonly spki: Uint8Array;
  /** Ed25519: the 32-byte key. P-256: the 65-byte uncompressed point. RSA: the modulus. */
  readonly raw: Uint8Array;
}

export type PrivateKey =
  | { readonly type: 'ed25519'; readonly seed: Uint8Array; readonly publicKey: PublicKey }
  | { readonly type: 'ecdsa-p256'; readonly scalar: Uint8Array; readonly publicKey: PublicKey }
  | {
      readonly type: 'rsa-2048' | 'rsa-3072';
      /** PKCS#8 DER, the form WebCrypto imports for signing. */
      readonly pkcs8: Uint8Array;
      readonly publicKey: PublicKey;
    };

export type KeyProblem = 'not-a-key' | 'unsupported' | 'encrypted' | 'malformed' | 'public-only';

export class KeyFormatError extends FieldflashError {
  readonly code = 'bad-key';
  constructor(
    readonly problem: KeyProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
