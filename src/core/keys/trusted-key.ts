/**
 * A public key the user (or the build) trusts to sign firmware, with the
 * identifiers people compare: the key id and the fingerprint, both taken from
 * SHA-256 of the embedded key bytes, i.e. the KEYHASH TLV value of an image it
 * signed and the output of `imgtool getpubhash`.
 * @module
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../bytes.ts';
import type { KeyType, PublicKey } from './key-types.ts';

export interface TrustedKey extends PublicKey {
  /** A human name: the config entry or the key file's base name. */
  readonly name: string;
  /** First 8 hex digits of the fingerprint, for compact display and logs. */
  readonly keyId: string;
  /** SHA-256 of the embedded key bytes, hex: equals the KEYHASH of images it signs. */
  readonly fingerprint: string;
  /** KEYHASH values this key matches, per image hash algorithm (research/protocols.md §1.5). */
  readonly keyHashes: {
    readonly sha256: Uint8Array;
    readonly sha384: Uint8Array;
    readonly sha512: Uint8Array;
  };
}

export function trustKey(key: PublicKey, name: string): TrustedKey {
  const digest = sha256(key.embedded);
  const fingerprint = bytesToHex(digest);
  return {
    ...key,
    name,
    keyId: fingerprint.slice(0, 8),
    fingerprint,
    keyHashes: { sha256: digest, sha384: sha384(key.embedded), sha512: sha512(key.embedded) },
  };
}

/** What a verdict says about the key that signed: enough to show and to log, no key bytes. */
export interface KeyIdentity {
  readonly name: string;
  readonly type: KeyType;
  readonly keyId: string;
  readonly fingerprint: string;
}

export function keyIdentity(key: TrustedKey): KeyIdentity {
  return { name: key.name, type: key.type, keyId: key.keyId, fingerprint: key.fingerprint };
}
