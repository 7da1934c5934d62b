/**
 * Encodes a TLV area: info header `{u16 magic, u16 tot}` then `{u16 type,
 * u16 len, value}` entries, little-endian (imgtool image.py `TLV.get`). An
 * empty area encodes to nothing, as imgtool omits it.
 * @module
 */
import { concatBytes, writeU16LE } from '../bytes.ts';
import { FieldflashError } from '../errors.ts';
import { TLV_ENTRY_HEADER_SIZE, TLV_INFO_SIZE, tlvTypeName } from './tlv-types.ts';

export interface TlvRecord {
  readonly type: number;
  readonly value: Uint8Array;
}

export class TlvTooLargeError extends FieldflashError {
  readonly code = 'tlv-too-large';
}

export function encodeTlvArea(magic: number, records: readonly TlvRecord[]): Uint8Array {
  if (records.length === 0) return new Uint8Array(0);
  const parts = records.map(({ type, value }) => {
    if (value.length > 0xffff)
      throw new TlvTooLargeError(
        `TLV ${tlvTypeName(type)} is ${value.length} bytes; a TLV holds at most 65535`,
      );
    const head = new Uint8Array(TLV_ENTRY_HEADER_SIZE);
    writeU16LE(head, 0, type);
    writeU16LE(head, 2, value.length);
    return concatBytes(head, value);
  });
  const body = concatBytes(...parts);
  const total = TLV_INFO_SIZE + body.length;
  if (total > 0xffff)
    throw new TlvTooLargeError(
      `the TLV area would be ${total} bytes; its size field holds at most 65535`,
    );
  const info = new Uint8Array(TLV_INFO_SIZE);
  writeU16LE(info, 0, magic);
  writeU16LE(info, 2, total);
  return concatBytes(info, body);
}
