/**
 * The 8-byte SMP header (research/protocols.md §2.1; Zephyr smp_internal.h):
 * byte 0 = op (bits 0-2) | version (bits 3-4), flags, u16 BE payload length,
 * u16 BE group, u8 seq, u8 command id.
 * @module
 */
import { FieldflashError } from '../errors.ts';

export const SMP_HEADER_SIZE = 8;
/** The length field is a u16: the largest CBOR payload one frame can carry. */
export const SMP_MAX_PAYLOAD = 0xffff;

export interface SmpHeader {
  readonly op: number;
  /** 0 = SMP v1, 1 = SMP v2. */
  readonly version: number;
  readonly flags: number;
  /** CBOR payload length, excluding the header. */
  readonly length: number;
  readonly group: number;
  readonly seq: number;
  readonly command: number;
}

/** A frame or header that cannot be what it claims to be. */
export class SmpFrameError extends FieldflashError {
  readonly code = 'smp-bad-frame';
}

export function encodeHeader(h: SmpHeader): Uint8Array {
  const fits = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (
    !fits(h.op, 7) ||
    !fits(h.version, 3) ||
    !fits(h.flags, 0xff) ||
    !fits(h.length, 0xffff) ||
    !fits(h.group, 0xffff) ||
    !fits(h.seq, 0xff) ||
    !fits(h.command, 0xff)
  ) {
    throw new RangeError(`SMP header field out of range: ${JSON.stringify(h)}`);
  }
  return Uint8Array.of(
    (h.op & 0x07) | ((h.version & 0x03) << 3),
    h.flags,
    h.length >>> 8,
    h.length & 0xff,
    h.group >>> 8,
    h.group & 0xff,
    h.seq,
    h.command,
  );
}

/** Decodes the header at the start of `bytes` (at least 8 bytes). */
export function decodeHeader(bytes: Uint8Array): SmpHeader {
  if (bytes.length < SMP_HEADER_SIZE) {
    throw new SmpFrameError(`an SMP frame needs an 8-byte header, got ${bytes.length} bytes`);
  }
  const b = (i: number) => bytes[i] ?? 0;
  return {
    op: b(0) & 0x07,
    version: (b(0) >>> 3) & 0x03,
    flags: b(1),
    length: (b(2) << 8) | b(3),
    group: (b(4) << 8) | b(5),
    seq: b(6),
    command: b(7),
  };
}
