/**
 * The MCUboot image trailer at the end of a slot (research/protocols.md §1.7;
 * MCUboot bootutil_public.h, imgtool image.py `_trailer_size`/`pad_to`): its
 * size for `--pad`, the boot magic, and reading it back from a padded image.
 * @module
 */
import { concatBytes, equalBytes, readU16LE } from '../bytes.ts';
import type { TrailerInfo } from './verdict.ts';

export const DEFAULT_MAX_ALIGN = 8;
export const DEFAULT_MAX_SECTORS = 128;
const MAGIC_SIZE = 16;

/** `boot_img_magic` for BOOT_MAX_ALIGN == 8. */
const MAGIC_ALIGN8 = Uint8Array.from([
  0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80,
]);
/** The tail of the magic for larger max-align values, after a u16 LE max_align. */
const MAGIC_TAIL = Uint8Array.from([
  0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a,
]);

export function bootMagic(maxAlign: number): Uint8Array {
  if (maxAlign === DEFAULT_MAX_ALIGN) return MAGIC_ALIGN8;
  return concatBytes(Uint8Array.from([maxAlign & 0xff, maxAlign >> 8]), MAGIC_TAIL);
}

const alignUp = (n: number, align: number) => Math.ceil(n / align) * align;

export interface TrailerLayout {
  /** Flash write size (imgtool `--align`). */
  readonly align: number;
  readonly maxAlign: number;
  readonly maxSectors: number;
  readonly overwriteOnly: boolean;
}

/** Bytes the bootloader reserves at the end of the slot (imgtool `_trailer_size`, no encryption). */
export function trailerSize(t: TrailerLayout): number {
  const magicAligned = alignUp(MAGIC_SIZE, t.maxAlign);
  if (t.overwriteOnly) return t.maxAlign * 2 + magicAligned;
  return t.maxSectors * 3 * t.align + t.maxAlign * 4 + magicAligned;
}

/** Offset of image_ok counted back from the end of the slot. */
export function imageOkOffsetFromEnd(maxAlign: number): number {
  return alignUp(MAGIC_SIZE, maxAlign) + maxAlign;
}

/**
 * Reads the trailer of a file padded to its slot size (anything after the TLV
 * area). Returns null when the file is not padded.
 */
export function readTrailer(bytes: Uint8Array, tlvEnd: number): TrailerInfo | null {
  if (bytes.length <= tlvEnd || bytes.length - tlvEnd < MAGIC_SIZE) return null;
  const magic = bytes.subarray(bytes.length - MAGIC_SIZE);
  let maxAlign = 0;
  if (equalBytes(magic, MAGIC_ALIGN8)) maxAlign = DEFAULT_MAX_ALIGN;
  else if (equalBytes(magic.subarray(2), MAGIC_TAIL)) maxAlign = readU16LE(magic, 0);
  if (maxAlign === 0) return { slotSize: bytes.length, magic: false, imageOk: 'unset' };
  const okByte = bytes[bytes.length - imageOkOffsetFromEnd(maxAlign)];
  const imageOk = okByte === 0x01 ? 'set' : okByte === 0xff || okByte === 0x00 ? 'unset' : 'bad';
  return { slotSize: bytes.length, magic: true, imageOk };
}
