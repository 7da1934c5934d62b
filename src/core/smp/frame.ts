/**
 * Whole SMP frames: header + CBOR body.
 * @module
 */
import { concatBytes } from '../bytes.ts';
import { decodeBody, encodeBody, type CborMap } from './cbor.ts';
import {
  decodeHeader,
  encodeHeader,
  SMP_HEADER_SIZE,
  SMP_MAX_PAYLOAD,
  SmpFrameError,
  type SmpHeader,
} from './header.ts';

export interface SmpFrame {
  readonly header: SmpHeader;
  readonly body: CborMap;
}

export type FrameFields = Omit<SmpHeader, 'length'>;

export function encodeFrame(fields: FrameFields, body: CborMap): Uint8Array {
  const payload = encodeBody(body);
  if (payload.length > SMP_MAX_PAYLOAD) {
    throw new RangeError(
      `an SMP payload is at most ${SMP_MAX_PAYLOAD} bytes, this one is ${payload.length}`,
    );
  }
  return concatBytes(encodeHeader({ ...fields, length: payload.length }), payload);
}

/**
 * Decodes one complete frame. The header's length must match the bytes
 * exactly (a framing layer delivers whole frames), and the body must be a
 * CBOR map. Throws SmpFrameError or SmpCborError.
 */
export function decodeFrame(bytes: Uint8Array): SmpFrame {
  const header = decodeHeader(bytes);
  const actual = bytes.length - SMP_HEADER_SIZE;
  if (header.length !== actual) {
    throw new SmpFrameError(
      `the SMP header says ${header.length} payload bytes but the frame has ${actual}`,
    );
  }
  return { header, body: decodeBody(bytes.subarray(SMP_HEADER_SIZE)) };
}
