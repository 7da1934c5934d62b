/**
 * What img_mgmt knows of a slot (img_mgmt.c `img_mgmt_read_info`): the
 * header magic, then the TLV areas after the body, looking for exactly one
 * SHA-256 TLV. Neither the hash nor a signature is checked here — that is the
 * bootloader's job — so a slot the app lists may still be refused at boot.
 * @module
 */
import { readU16LE } from '../../core/bytes.ts';
import {
  decodeHeader,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  ImageFlag,
  TLV_INFO_MAGIC,
  TLV_PROT_INFO_MAGIC,
  TlvType,
  type ImageVersion,
} from '../../core/image/index.ts';

/** IMG_MGMT_ERR codes (img_mgmt.h) met while reading a slot. */
export const ImgErr = {
  UNKNOWN: 1,
  NO_IMAGE: 3,
  NO_TLVS: 4,
  INVALID_TLV: 5,
  TLV_MULTIPLE_HASHES_FOUND: 6,
  HASH_NOT_FOUND: 8,
  NO_FREE_SLOT: 9,
  FLASH_OPEN_FAILED: 10,
  FLASH_WRITE_FAILED: 12,
  INVALID_SLOT: 14,
  INVALID_OFFSET: 20,
  INVALID_LENGTH: 21,
  INVALID_IMAGE_HEADER: 22,
  INVALID_IMAGE_HEADER_MAGIC: 23,
  INVALID_HASH: 24,
  VERSION_GET_FAILED: 26,
  CURRENT_VERSION_IS_NEWER: 27,
  IMAGE_ALREADY_PENDING: 28,
  INVALID_IMAGE_VECTOR_TABLE: 29,
  INVALID_IMAGE_TOO_LARGE: 30,
  INVALID_IMAGE_DATA_OVERRUN: 31,
  IMAGE_CONFIRMATION_DENIED: 32,
  IMAGE_SETTING_TEST_TO_ACTIVE_DENIED: 33,
} as const;

export type SlotRead =
  | {
      readonly ok: true;
      readonly version: ImageVersion;
      readonly hash: Uint8Array;
      readonly bootable: boolean;
    }
  | { readonly ok: false; readonly err: number };

const SHA256_LEN = 32;

/** Reads the slot whose bytes are `slot` (the whole flash area). */
export function readSlot(slot: Uint8Array, erasedValue: number): SlotRead {
  const head = slot.subarray(0, IMAGE_HEADER_SIZE);
  const header = decodeHeader(head);
  if (header.magic !== IMAGE_MAGIC) {
    return {
      ok: false,
      err: head.subarray(0, 4).every((b) => b === erasedValue)
        ? ImgErr.NO_IMAGE
        : ImgErr.INVALID_IMAGE_HEADER_MAGIC,
    };
  }
  let off = header.hdrSize + header.imgSize;
  const u16 = (at: number) => (at + 2 <= slot.length ? readU16LE(slot, at) : -1);
  if (u16(off) === TLV_PROT_INFO_MAGIC) off += u16(off + 2);
  if (u16(off) !== TLV_INFO_MAGIC) return { ok: false, err: ImgErr.NO_TLVS };
  const end = off + u16(off + 2);
  off += 4;
  let hash: Uint8Array | null = null;
  while (off + 4 <= end) {
    const type = u16(off);
    const len = u16(off + 2);
    if (type === 0xff && len === 0xffff) return { ok: false, err: ImgErr.INVALID_TLV };
    off += 4;
    if (type === TlvType.SHA256 && len === SHA256_LEN) {
      if (hash) return { ok: false, err: ImgErr.TLV_MULTIPLE_HASHES_FOUND };
      if (off + SHA256_LEN > slot.length) return { ok: false, err: ImgErr.INVALID_TLV };
      hash = slot.slice(off, off + SHA256_LEN);
    }
    off += len;
  }
  if (!hash) return { ok: false, err: ImgErr.HASH_NOT_FOUND };
  return {
    ok: true,
    version: header.version,
    hash,
    bootable: (header.flags & ImageFlag.NON_BOOTABLE) === 0,
  };
}

/** img_mgmt_ver_str: "major.minor.revision", ".build" only when the build number is not 0. */
export function versionString(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}${v.build !== 0 ? `.${v.build}` : ''}`;
}
