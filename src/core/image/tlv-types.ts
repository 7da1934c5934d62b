/**
 * MCUboot TLV type codes and their names (research/protocols.md §1.3; MCUboot
 * boot/bootutil/include/bootutil/image.h, imgtool `TLV_VALUES`).
 * @module
 */

/** TLV info magics: the protected area starts with 0x6908, the unprotected one with 0x6907. */
export const TLV_PROT_INFO_MAGIC = 0x6908;
export const TLV_INFO_MAGIC = 0x6907;
/** Size of a TLV info header (`u16 magic, u16 tlv_tot`) and of an entry header (`u16 type, u16 len`). */
export const TLV_INFO_SIZE = 4;
export const TLV_ENTRY_HEADER_SIZE = 4;

export const TlvType = {
  KEYHASH: 0x01,
  PUBKEY: 0x02,
  SHA256: 0x10,
  SHA384: 0x11,
  SHA512: 0x12,
  RSA2048_PSS: 0x20,
  ECDSA224: 0x21,
  ECDSA_SIG: 0x22,
  RSA3072_PSS: 0x23,
  ED25519: 0x24,
  SIG_PURE: 0x25,
  ENC_RSA2048: 0x30,
  ENC_KW: 0x31,
  ENC_EC256: 0x32,
  ENC_X25519: 0x33,
  ENC_X25519_SHA512: 0x34,
  DEPENDENCY: 0x40,
  SEC_CNT: 0x50,
  BOOT_RECORD: 0x60,
  DECOMP_SIZE: 0x70,
  DECOMP_SHA: 0x71,
  DECOMP_SIGNATURE: 0x72,
  COMP_DEC_SIZE: 0x73,
  UUID_VID: 0x74,
  UUID_CID: 0x75,
} as const;

export type TlvTypeName = keyof typeof TlvType;

const NAMES = new Map<number, TlvTypeName>(
  Object.entries(TlvType).map(([name, code]) => [code, name as TlvTypeName]),
);

/** imgtool accepts custom (vendor) TLV types in this range (image.py `TLV_VENDOR_RES_MIN/MAX`). */
export const VENDOR_TLV_MIN = 0x00a0;
export const VENDOR_TLV_MAX = 0xfffe;

/** A readable name for any TLV type: the MCUboot name, or `VENDOR_0x00a0` / `UNKNOWN_0x0003`. */
export function tlvTypeName(type: number): string {
  const known = NAMES.get(type);
  if (known) return known;
  const hex = '0x' + type.toString(16).padStart(4, '0');
  return isVendorTlv(type) ? `VENDOR_${hex}` : `UNKNOWN_${hex}`;
}

/** Vendor-reserved types are 0xXXa0–0xXXff in every high byte (image.h). */
export function isVendorTlv(type: number): boolean {
  return (type & 0xff) >= 0xa0 && type <= VENDOR_TLV_MAX;
}

export type HashAlg = 'sha256' | 'sha384' | 'sha512';

/** Hash TLVs and their digest sizes. */
export const HASH_TLVS: ReadonlyMap<number, { alg: HashAlg; size: number }> = new Map([
  [TlvType.SHA256, { alg: 'sha256', size: 32 }],
  [TlvType.SHA384, { alg: 'sha384', size: 48 }],
  [TlvType.SHA512, { alg: 'sha512', size: 64 }],
]);

export const HASH_TLV_FOR_ALG: Readonly<Record<HashAlg, number>> = {
  sha256: TlvType.SHA256,
  sha384: TlvType.SHA384,
  sha512: TlvType.SHA512,
};

/** Signature TLV types this verifier understands. */
export const SIGNATURE_TLVS: ReadonlySet<number> = new Set([
  TlvType.RSA2048_PSS,
  TlvType.ECDSA224,
  TlvType.ECDSA_SIG,
  TlvType.RSA3072_PSS,
  TlvType.ED25519,
]);

/**
 * Types MCUboot lets stand in the unprotected area when built with
 * `MCUBOOT_USE_TLV_ALLOW_LIST` (image_validate.c `allowed_unprot_tlvs`). Anything
 * else there could be changed without changing the image hash, so we refuse it.
 */
export const ALLOWED_UNPROTECTED_TLVS: ReadonlySet<number> = new Set([
  TlvType.KEYHASH,
  TlvType.PUBKEY,
  TlvType.SHA256,
  TlvType.SHA384,
  TlvType.SHA512,
  TlvType.RSA2048_PSS,
  TlvType.ECDSA224,
  TlvType.ECDSA_SIG,
  TlvType.RSA3072_PSS,
  TlvType.ED25519,
  TlvType.SIG_PURE,
  TlvType.ENC_RSA2048,
  TlvType.ENC_KW,
  TlvType.ENC_EC256,
  TlvType.ENC_X25519,
  TlvType.ENC_X25519_SHA512,
]);
