/**
 * Byte helpers shared by the whole core. Hex and concatenation come from
 * @noble/hashes; the little-endian readers exist because MCUboot's header and
 * TLVs are packed little-endian structs (MCUboot image.h).
 * @module
 */
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export { bytesToHex, concatBytes, hexToBytes, utf8ToBytes };

/** Byte-wise equality. The inputs are public (hashes, key ids), so no constant-time need. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function readU16LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

export function readU32LE(bytes: Uint8Array, offset: number): number {
  return (readU16LE(bytes, offset) | (readU16LE(bytes, offset + 2) << 16)) >>> 0;
}

export function writeU16LE(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

export function writeU32LE(bytes: Uint8Array, offset: number, value: number): void {
  writeU16LE(bytes, offset, value & 0xffff);
  writeU16LE(bytes, offset + 2, value >>> 16);
}

/** True when every byte of `bytes` equals `value` (e.g. an erased 0xff region). */
export function allBytesAre(bytes: Uint8Array, value: number): boolean {
  for (const b of bytes) if (b !== value) return false;
  return true;
}

/**
 * Bytes as a string, one char per byte. For ASCII formats (PEM, Intel HEX), where a
 * stray non-ASCII byte must survive to be reported rather than be decoded away.
 */
export function latin1String(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return out;
}
