/**
 * The feed's detached signature: plain Ed25519 (RFC 8032) over the exact
 * bytes of the JSON file, so there is no canonicalisation step to get wrong:
 * the bytes verified are the bytes parsed. The `.sig` file is the base64 of
 * the 64-byte signature and a newline (easy to publish and to diff); raw 64
 * bytes are accepted too.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64 } from '@scure/base';
import type { PrivateKey } from '../keys/key-types.ts';
import type { TrustedKey } from '../keys/trusted-key.ts';
import { FeedMalformedError, FeedSignatureError } from './errors.ts';
import { parseFeed } from './parse.ts';

export const FEED_SIGNATURE_BYTES = 64;

/** What `parsePrivateKey` returns for an Ed25519 key: the only kind that signs feeds. */
export type Ed25519PrivateKey = Extract<PrivateKey, { readonly type: 'ed25519' }>;

/**
 * Strict RFC 8032 verification (canonical encodings), as for images
 * (image/signature.ts): one signature, one meaning, in every verifier.
 */
const ED25519_VERIFY = { zip215: false } as const;

/** The 64 signature bytes of a `.sig` file: base64 text (whitespace around it ok), or raw. */
export function parseFeedSignature(bytes: Uint8Array): Uint8Array {
  // 64 raw bytes can never be the base64 of 64 bytes (that is 88 characters).
  if (bytes.length === FEED_SIGNATURE_BYTES) return Uint8Array.from(bytes);
  // Base64 of 64 bytes plus generous whitespace; anything longer is not a signature.
  if (bytes.length > 4 * FEED_SIGNATURE_BYTES) {
    throw new FeedMalformedError('signature', `${bytes.length} bytes is not a signature file`);
  }
  const text = String.fromCharCode(...bytes).trim();
  let signature: Uint8Array;
  try {
    signature = base64.decode(text);
  } catch {
    throw new FeedMalformedError('signature', 'not base64 text nor 64 raw bytes');
  }
  if (signature.length !== FEED_SIGNATURE_BYTES) {
    throw new FeedMalformedError(
      'signature',
      `holds ${signature.length} bytes; an Ed25519 signature is ${FEED_SIGNATURE_BYTES}`,
    );
  }
  return signature;
}

/**
 * The trusted Ed25519 key whose signature `signature` is over `json`. Keys of
 * other types are skipped: a feed key is Ed25519 by definition, and an image
 * key listed alongside must not widen what can sign feeds.
 */
export function findFeedSigner(
  json: Uint8Array,
  signature: Uint8Array,
  keys: readonly TrustedKey[],
): TrustedKey {
  const candidates = keys.filter((k) => k.type === 'ed25519');
  for (const key of candidates) {
    let valid = false;
    try {
      valid = ed25519.verify(signature, json, key.raw, ED25519_VERIFY);
    } catch {
      // noble throws on malformed input (wrong lengths): not a valid signature.
    }
    if (valid) return key;
  }
  throw new FeedSignatureError(candidates.length);
}

/**
 * The `.sig` file text for `json`. The feed is checked first: a feed we would
 * refuse is never signed.
 */
export function signFeed(json: Uint8Array, ed25519PrivateKey: Ed25519PrivateKey): string {
  parseFeed(json);
  return base64.encode(ed25519.sign(json, ed25519PrivateKey.seed)) + '\n';
}
