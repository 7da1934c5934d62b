/**
 * Key loading, identities and the trusted-key shape.
 * @module
 */
export * from './key-types.ts';
export { parsePrivateKey, parsePublicKey } from './parse-key.ts';
export { encodePem, decodePem } from './pem.ts';
export { keyIdentity, trustKey, type KeyIdentity, type TrustedKey } from './trusted-key.ts';
