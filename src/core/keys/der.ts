/**
 * A strict, read-mostly DER walker for the handful of key containers MCUboot
 * keys come in (SPKI, PKCS#8, SEC1, PKCS#1). It is deliberately tiny: it only
 * splits definite-length TLVs and refuses anything BER-ish, so a general ASN.1
 * library (and its weight in the browser bundle) is not needed.
 * @module
 */
import { concatBytes } from '../bytes.ts';

export const DerTag = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

export interface DerNode {
  readonly tag: number;
  /** The value bytes (a view into the input, not a copy). */
  readonly value: Uint8Array;
  /** The whole TLV, header included. */
  readonly whole: Uint8Array;
}

/** Thrown for malformed DER; key loading turns it into a KeyFormatError. */
export class DerError extends Error {}

/** Reads one TLV at `offset`; returns it and the offset just past it. */
export function readDer(bytes: Uint8Array, offset = 0): { node: DerNode; next: number } {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError('ends inside a DER header');
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not used in keys');
  let length = first;
  let pos = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; keys never need > 4 length bytes.
    if (count === 0 || count > 4) throw new DerError('unsupported DER length form');
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = bytes[pos++];
      if (b === undefined) throw new DerError('ends inside a DER length');
      length = length * 256 + b;
    }
    if (length < 0x80 || (count > 1 && length < 1 << (8 * (count - 1)))) {
      throw new DerError('non-minimal DER length');
    }
  }
  const end = pos + length;
  if (end > bytes.length) throw new DerError('DER value runs past the end of the data');
  return {
    node: { tag, value: bytes.subarray(pos, end), whole: bytes.subarray(offset, end) },
    next: end,
  };
}

/** Parses `bytes` as exactly one TLV with the expected tag. */
export function readOnly(bytes: Uint8Array, tag: number): DerNode {
  const { node, next } = readDer(bytes, 0);
  if (next !== bytes.length) throw new DerError('trailing bytes after DER value');
  return expectTag(node, tag);
}

export function expectTag(node: DerNode | undefined, tag: number): DerNode {
  if (!node) throw new DerError(`missing DER element (expected tag 0x${tag.toString(16)})`);
  if (node.tag !== tag) {
    throw new DerError(`expected DER tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  }
  return node;
}

/** The elements of a SEQUENCE (or any constructed value). */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.value.length) {
    const { node: child, next } = readDer(node.value, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

/** Unsigned big-endian magnitude of a DER INTEGER, leading zero stripped. */
export function integerMagnitude(node: DerNode): Uint8Array {
  const v = expectTag(node, DerTag.INTEGER).value;
  if (v.length === 0) throw new DerError('empty INTEGER');
  if ((v[0] ?? 0) & 0x80) throw new DerError('negative INTEGER where a positive one is required');
  if (v.length > 1 && v[0] === 0 && ((v[1] ?? 0) & 0x80) === 0) {
    throw new DerError('non-minimal INTEGER');
  }
  return v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
}

/** The content of a BIT STRING that must have no unused bits (keys always do). */
export function bitStringBytes(node: DerNode): Uint8Array {
  const v = expectTag(node, DerTag.BIT_STRING).value;
  if (v[0] !== 0) throw new DerError('BIT STRING with unused bits');
  return v.subarray(1);
}

/** Encodes one TLV. Used to build the few fixed containers we emit. */
export function encodeDer(tag: number, ...content: Uint8Array[]): Uint8Array {
  const value = concatBytes(...content);
  const n = value.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff];
  else header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concatBytes(Uint8Array.from(header), value);
}
