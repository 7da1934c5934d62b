/**
 * The image verdict: the one value `verifyImage` returns for any input
 * (DESIGN.md "Image verdict"). Everything in it is plain JSON-able data, so the
 * CLI prints it with `--json` and the app stores it beside a cached image.
 * @module
 */
import type { KeyIdentity } from '../keys/trusted-key.ts';
import type { ImageFlagName } from './header.ts';
import type { HashAlg } from './tlv-types.ts';
import type { ImageVersion } from './version.ts';

/**
 * Why an image was refused. The first ten are DESIGN.md's vocabulary (and
 * vectors/mcuboot/README.md "Reasons"); `unsupported` covers images that are
 * well-formed but cannot be checked here at all (encrypted bodies, whose hash
 * covers the plaintext).
 */
export type InvalidReason =
  | 'bad-magic'
  | 'truncated'
  | 'bad-tlv-magic'
  | 'bad-tlv'
  | 'missing-hash'
  | 'bad-hash'
  | 'unknown-key'
  | 'wrong-key'
  | 'bad-signature'
  | 'missing-signature'
  | 'unsupported';

export const INVALID_REASONS: readonly InvalidReason[] = [
  'bad-magic',
  'truncated',
  'bad-tlv-magic',
  'bad-tlv',
  'missing-hash',
  'bad-hash',
  'unknown-key',
  'wrong-key',
  'bad-signature',
  'missing-signature',
  'unsupported',
];

export type SignatureType =
  'ed25519' | 'ed25519-pure' | 'ecdsa-p256' | 'rsa-2048-pss' | 'rsa-3072-pss';

export interface TlvInfo {
  readonly type: number;
  readonly name: string;
  readonly len: number;
  /** Offset of the TLV's 4-byte entry header in the file; the value follows it. */
  readonly offset: number;
  readonly protected: boolean;
}

export interface ImageLayout {
  readonly headerSize: number;
  readonly bodySize: number;
  readonly protectedTlvSize: number;
  /** Offset of the 0x6908 protected TLV info header, or null if the image has none. */
  readonly protectedInfoOffset: number | null;
  /** Offset of the 0x6907 TLV info header. */
  readonly tlvInfoOffset: number;
  /** End of the TLV area: the number of bytes to upload. */
  readonly tlvEnd: number;
  readonly tlvs: readonly TlvInfo[];
}

export interface Dependency {
  readonly imageId: number;
  readonly version: ImageVersion;
}

/** Slot trailer found after the TLVs in a `--pad`ded image (research/protocols.md §1.7). */
export interface TrailerInfo {
  /** The padded file size, i.e. the slot size it was made for. */
  readonly slotSize: number;
  readonly magic: boolean;
  readonly imageOk: 'set' | 'unset' | 'bad';
}

export interface SignatureInfo {
  readonly type: SignatureType;
  /** False for a hash-only check (no trusted keys given). */
  readonly checked: boolean;
  /** The trusted key that verified it, when checked. */
  readonly signer: (KeyIdentity & { readonly matchedBy: 'keyhash' | 'pubkey' }) | null;
}

export interface ImageDetails {
  readonly version: ImageVersion;
  /** imgtool notation, `1.2.3+4`. */
  readonly versionText: string;
  readonly hashAlg: HashAlg;
  /** The image hash (the hash TLV's value), hex. Devices list images by it. */
  readonly imageHash: string;
  /** The SHA-256 hash TLV, hex, when present: what Zephyr's img_mgmt lists and tests by. */
  readonly sha256: string | null;
  readonly securityCounter: number | null;
  readonly dependencies: readonly Dependency[];
  readonly loadAddr: number;
  readonly flags: number;
  readonly flagNames: readonly ImageFlagName[];
  readonly bootable: boolean;
  readonly layout: ImageLayout;
  readonly trailer: TrailerInfo | null;
}

export interface ImageOk extends ImageDetails {
  readonly ok: true;
  /** The signature that made the image valid, or null for a hash-only check of an unsigned image. */
  readonly signature: SignatureInfo | null;
}

export interface ImageInvalid {
  readonly ok: false;
  readonly reason: InvalidReason;
  /** One sentence on what exactly is wrong, with offsets and values. */
  readonly detail: string;
  /** The version from the header, when the header could be read (handy in error messages). */
  readonly versionText?: string;
}

export type ImageVerdict = ImageOk | ImageInvalid;

export function invalid(reason: InvalidReason, detail: string, versionText?: string): ImageInvalid {
  return versionText === undefined
    ? { ok: false, reason, detail }
    : { ok: false, reason, detail, versionText };
}
