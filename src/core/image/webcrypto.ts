/**
 * The slice of WebCrypto (`crypto.subtle`) the image verifier and signer use.
 * It is passed in by the composition root (app/, cli/), never read from a
 * global here, so the core stays free of host APIs; DOM's SubtleCrypto and
 * Node's webcrypto both satisfy it.
 * @module
 */
import type { HashAlg } from './tlv-types.ts';

export type WebHashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const WEBCRYPTO_HASH: Readonly<Record<HashAlg, WebHashName>> = {
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

export interface RsaPssImport {
  readonly name: 'RSA-PSS';
  readonly hash: 'SHA-256';
}

export interface RsaPssParams {
  readonly name: 'RSA-PSS';
  readonly saltLength: number;
}

export interface SubtleLike {
  digest(algorithm: WebHashName, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  importKey(
    format: 'spki' | 'pkcs8',
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: RsaPssImport,
    extractable: false,
    usages: ['verify'] | ['sign'],
  ): Promise<unknown>;
  verify(
    algorithm: RsaPssParams,
    key: unknown,
    signature: Uint8Array<ArrayBuffer>,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<boolean>;
  sign(algorithm: RsaPssParams, key: unknown, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

/**
 * WebCrypto takes only views on a plain ArrayBuffer. Our inputs almost always
 * are; a view on a SharedArrayBuffer is copied.
 */
export function asBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : Uint8Array.from(bytes);
}
