/**
 * One plain sentence per refusal reason, for people: the CLI prints it, the app
 * shows it on the verification card. The verdict's `detail` adds the specifics.
 * @module
 */
import type { InvalidReason, SignatureType } from './verdict.ts';

export const REASON_SUMMARY: Readonly<Record<InvalidReason, string>> = {
  'bad-magic': 'This is not an MCUboot firmware image.',
  truncated: 'The image file is incomplete (cut short).',
  'bad-tlv-magic': 'The image is damaged: its metadata (TLV) area is missing or corrupt.',
  'bad-tlv': 'The image is damaged: its metadata (TLV) entries are malformed.',
  'missing-hash': 'The image carries no hash, so its integrity cannot be checked.',
  'bad-hash': 'The image has been altered or corrupted: its contents do not match its hash.',
  'unknown-key': 'The image does not name a trusted signing key.',
  'wrong-key': 'The image is signed by a key you do not trust.',
  'bad-signature': 'The signature is invalid: the image was tampered with or signed incorrectly.',
  'missing-signature': 'The image is not signed, but a trusted signature is required.',
  unsupported: 'This image cannot be verified here.',
};

export const SIGNATURE_LABEL: Readonly<Record<SignatureType, string>> = {
  ed25519: 'Ed25519',
  'ed25519-pure': 'Ed25519 (pure)',
  'ecdsa-p256': 'ECDSA P-256',
  'rsa-2048-pss': 'RSA-2048-PSS',
  'rsa-3072-pss': 'RSA-3072-PSS',
};
