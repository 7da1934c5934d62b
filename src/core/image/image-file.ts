/**
 * Turns the bytes of an image file into image bytes: `.bin` as is, Intel HEX
 * through `parseIntelHex`. Detection is by content (a HEX file is ASCII
 * records starting with ':'; an MCUboot image starts with 0x3d), so a renamed
 * file still loads.
 * @module
 */
import { looksLikeIntelHex, parseIntelHex } from './intel-hex.ts';

export type ImageFileFormat = 'bin' | 'ihex';

export interface ImageFile {
  readonly format: ImageFileFormat;
  readonly bytes: Uint8Array;
  /** Load address of the first byte, for Intel HEX; null for binaries. */
  readonly baseAddress: number | null;
}

/** Throws HexFormatError for a malformed HEX file. */
export function readImageFile(
  data: Uint8Array,
  format: ImageFileFormat | 'auto' = 'auto',
): ImageFile {
  const isHex = format === 'ihex' || (format === 'auto' && looksLikeIntelHex(data));
  if (!isHex) return { format: 'bin', bytes: data, baseAddress: null };
  const { bytes, baseAddress } = parseIntelHex(data);
  return { format: 'ihex', bytes, baseAddress };
}
