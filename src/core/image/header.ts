/**
 * The 32-byte MCUboot image header (`struct image_header`, MCUboot image.h;
 * research/protocols.md §1.2). All fields little-endian.
 * @module
 */
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from '../bytes.ts';
import type { ImageVersion } from './version.ts';

export const IMAGE_MAGIC = 0x96f3b83d;
/** The pre-1.0 magic. Current MCUboot refuses it, and so do we. */
export const IMAGE_MAGIC_V1 = 0x96f3b83c;
export const IMAGE_HEADER_SIZE = 32;

/** `IMAGE_F_*` (image.h; imgtool `IMAGE_F`). */
export const ImageFlag = {
  PIC: 0x01,
  ENCRYPTED_AES128: 0x04,
  ENCRYPTED_AES256: 0x08,
  NON_BOOTABLE: 0x10,
  RAM_LOAD: 0x20,
  ROM_FIXED: 0x100,
  COMPRESSED_LZMA1: 0x200,
  COMPRESSED_LZMA2: 0x400,
  COMPRESSED_ARM_THUMB: 0x800,
} as const;

export type ImageFlagName = keyof typeof ImageFlag;

export interface ImageHeader {
  readonly magic: number;
  readonly loadAddr: number;
  /** Header area size including padding; the body starts here. */
  readonly hdrSize: number;
  /** Whole protected TLV area including its 4-byte info header, 0 if none. */
  readonly protectTlvSize: number;
  /** Body size, excluding header and TLVs. */
  readonly imgSize: number;
  readonly flags: number;
  readonly version: ImageVersion;
}

/** Decodes the header at the start of `bytes`. The caller checks there are 32 bytes. */
export function decodeHeader(bytes: Uint8Array): ImageHeader {
  return {
    magic: readU32LE(bytes, 0),
    loadAddr: readU32LE(bytes, 4),
    hdrSize: readU16LE(bytes, 8),
    protectTlvSize: readU16LE(bytes, 10),
    imgSize: readU32LE(bytes, 12),
    flags: readU32LE(bytes, 16),
    version: {
      major: bytes[20] ?? 0,
      minor: bytes[21] ?? 0,
      revision: readU16LE(bytes, 22),
      build: readU32LE(bytes, 24),
    },
  };
}

/** Encodes a header exactly as imgtool packs it (`'<IIHHIIBBHII'`, pad written as 0). */
export function encodeHeader(h: ImageHeader): Uint8Array {
  const out = new Uint8Array(IMAGE_HEADER_SIZE);
  writeU32LE(out, 0, h.magic);
  writeU32LE(out, 4, h.loadAddr);
  writeU16LE(out, 8, h.hdrSize);
  writeU16LE(out, 10, h.protectTlvSize);
  writeU32LE(out, 12, h.imgSize);
  writeU32LE(out, 16, h.flags);
  out[20] = h.version.major;
  out[21] = h.version.minor;
  writeU16LE(out, 22, h.version.revision);
  writeU32LE(out, 24, h.version.build);
  return out;
}

export function flagNames(flags: number): ImageFlagName[] {
  return (Object.entries(ImageFlag) as [ImageFlagName, number][])
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

export function isEncrypted(flags: number): boolean {
  return (flags & (ImageFlag.ENCRYPTED_AES128 | ImageFlag.ENCRYPTED_AES256)) !== 0;
}

/** End of the hashed region: header + body + protected TLVs (research/protocols.md §1.4). */
export function hashedRegionLength(h: ImageHeader): number {
  return h.hdrSize + h.imgSize + h.protectTlvSize;
}
