/**
 * The app's image check: file → bytes → verdict against the trusted keys,
 * using the browser's WebCrypto. The only place the browser's crypto global is
 * read; core/ gets it passed in.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';
import { readImageFile, verifyImage, type ImageVerdict } from '../core/image/index.ts';
import { parsePublicKey, trustKey, type TrustedKey } from '../core/keys/index.ts';
import { PINNED_KEYS } from './fieldflash.config.ts';

export interface CheckedImage {
  readonly fileName: string;
  readonly fileSize: number;
  readonly format: 'bin' | 'ihex';
  readonly verdict: ImageVerdict;
  /** The image itself (from a .hex: its binary), what an update sends once it is verified. */
  readonly bytes: Uint8Array;
}

/** A file that could not even be read as an image (e.g. broken Intel HEX). */
export interface UnreadableImage {
  readonly fileName: string;
  readonly error: string;
}

export function pinnedKeys(): TrustedKey[] {
  return PINNED_KEYS.map((k) => trustKey(parsePublicKey(k.pem), k.name));
}

/** The browser's WebCrypto, absent outside secure contexts (then hashing falls back to JS). */
export function browserSubtle(): SubtleCrypto | undefined {
  return globalThis.isSecureContext ? globalThis.crypto?.subtle : undefined;
}

export async function checkImageFile(
  file: Blob & { readonly name: string },
  keys: readonly TrustedKey[],
): Promise<CheckedImage | UnreadableImage> {
  const data = new Uint8Array(await file.arrayBuffer());
  try {
    const image = readImageFile(data);
    const verdict = await verifyImage(image.bytes, keys, { subtle: browserSubtle() });
    return {
      fileName: file.name,
      fileSize: data.length,
      format: image.format,
      verdict,
      bytes: image.bytes,
    };
  } catch (err) {
    if (err instanceof FieldflashError) return { fileName: file.name, error: err.message };
    throw err;
  }
}

/** Loads a public key file the user picked; throws KeyFormatError with a readable message. */
export async function readKeyFile(file: Blob & { readonly name: string }): Promise<TrustedKey> {
  const data = new Uint8Array(await file.arrayBuffer());
  return trustKey(parsePublicKey(data), file.name.replace(/(\.pub)?\.(pem|der|raw)$/i, ''));
}

/** The demo image shipped in public/samples, signed by the pinned demo key. */
export const DEMO_SAMPLE_URL = `${import.meta.env.BASE_URL}samples/demo-app-1.0.0.bin`;

export async function fetchSample(url = DEMO_SAMPLE_URL): Promise<File> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the sample (${response.status})`);
  return new File([await response.arrayBuffer()], url.split('/').pop() ?? 'sample.bin');
}
