/**
 * What the TLVs of a parsed image declare: hash TLVs, key/signature pairs,
 * security counter, dependencies, pure-signature marker and encryption. Field
 * sizes are checked here (MCUboot image_validate.c), so a malformed value is a
 * verdict, never a misread.
 * @module
 */
import { readU16LE, readU32LE } from '../bytes.ts';
import { isEncrypted } from './header.ts';
import type { ParsedImage, TlvEntry } from './parse.ts';
import { HASH_TLVS, SIGNATURE_TLVS, TlvType, type HashAlg } from './tlv-types.ts';
import { formatVersion } from './version.ts';
import { invalid, type Dependency, type ImageInvalid } from './verdict.ts';

export interface HashTlv {
  readonly alg: HashAlg;
  readonly entry: TlvEntry;
}

/** A signature TLV and the KEYHASH/PUBKEY TLV that names its key (null if none precedes it). */
export interface SignedBy {
  readonly key: TlvEntry | null;
  readonly signature: TlvEntry;
}

export interface ImageManifest {
  readonly hashes: readonly HashTlv[];
  readonly signatures: readonly SignedBy[];
  readonly pure: boolean;
  readonly securityCounter: number | null;
  readonly dependencies: readonly Dependency[];
  readonly encrypted: boolean;
}

export type ManifestResult = { readonly ok: true; readonly manifest: ImageManifest } | ImageInvalid;

export function readManifest(image: ParsedImage): ManifestResult {
  const version = formatVersion(image.header.version);
  const bad = (detail: string) => invalid('bad-tlv', detail, version);
  const hashes: HashTlv[] = [];
  const signatures: SignedBy[] = [];
  const dependencies: Dependency[] = [];
  let securityCounter: number | null = null;
  let pure = false;
  // MCUboot pairs each signature with the key TLV read since the previous signature
  // (image_validate.c resets key_id after every signature).
  let currentKey: TlvEntry | null = null;

  for (const tlv of image.tlvs) {
    const at = `TLV ${tlv.name} at offset ${tlv.offset}`;
    const hash = HASH_TLVS.get(tlv.type);
    if (hash) {
      hashes.push({ alg: hash.alg, entry: tlv });
      continue;
    }
    if (SIGNATURE_TLVS.has(tlv.type)) {
      signatures.push({ key: currentKey, signature: tlv });
      currentKey = null;
      continue;
    }
    switch (tlv.type) {
      case TlvType.KEYHASH:
      case TlvType.PUBKEY:
        currentKey = tlv;
        break;
      case TlvType.SIG_PURE:
        // bootutil_check_for_pure: exactly one byte, value 1.
        if (tlv.len !== 1 || tlv.value[0] !== 1) return bad(`${at} must be one byte of value 1`);
        pure = true;
        break;
      case TlvType.SEC_CNT:
        if (tlv.len !== 4) return bad(`${at} must be 4 bytes, found ${tlv.len}`);
        if (securityCounter !== null) return bad(`${at} is a second security counter`);
        securityCounter = readU32LE(tlv.value, 0);
        break;
      case TlvType.DEPENDENCY:
        // u8 image_id, 3 pad, then the 8-byte image_version (imgtool 'B3xBBHI').
        if (tlv.len !== 12) return bad(`${at} must be 12 bytes, found ${tlv.len}`);
        dependencies.push({
          imageId: tlv.value[0] ?? 0,
          version: {
            major: tlv.value[4] ?? 0,
            minor: tlv.value[5] ?? 0,
            revision: readU16LE(tlv.value, 6),
            build: readU32LE(tlv.value, 8),
          },
        });
        break;
      default:
        break; // other protected TLVs are hashed data; their meaning is device policy
    }
  }
  return {
    ok: true,
    manifest: {
      hashes,
      signatures,
      pure,
      securityCounter,
      dependencies,
      encrypted: isEncrypted(image.header.flags),
    },
  };
}
