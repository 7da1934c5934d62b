/**
 * CBOR for SMP bodies, through cborg. Requests are encoded canonically
 * (definite lengths, keys length-first, as JPHutchins/smp does); responses are
 * decoded strictly but accept Zephyr's indefinite-length maps and arrays
 * (research/protocols.md §2.3). A body is always one map with text keys.
 * @module
 */
import { decode, decodeFirst, encode } from 'cborg';
import { FieldflashError } from '../errors.ts';

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | readonly CborValue[]
  | { readonly [key: string]: CborValue };

export type CborMap = { readonly [key: string]: CborValue };

/** The payload is not one well-formed CBOR map. */
export class SmpCborError extends FieldflashError {
  readonly code = 'smp-bad-cbor';
}

const DECODE_OPTIONS = {
  allowIndefinite: true, // zcbor writes bf…ff / 9f…ff
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: true,
  rejectDuplicateMapKeys: true,
  useMaps: false, // text keys only; cborg refuses others in this mode
} as const;

export function encodeBody(body: CborMap): Uint8Array {
  return encode(body);
}

export function decodeBody(bytes: Uint8Array): CborMap {
  let value: unknown;
  try {
    value = decode(bytes, DECODE_OPTIONS);
  } catch (cause) {
    // cborg throws Error for malformed input and RangeError on absurd nesting.
    throw new SmpCborError(`the device sent malformed CBOR: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!isMap(value)) throw new SmpCborError('the device sent CBOR that is not a map');
  return value;
}

/**
 * The map at the start of `bytes`, ignoring what follows it: how a server's
 * decoder (zcbor on Zephyr) reads a request whose buffer holds more.
 */
export function decodeLeadingMap(bytes: Uint8Array): CborMap {
  let value: unknown;
  try {
    const [first] = decodeFirst(bytes, DECODE_OPTIONS) as [unknown, Uint8Array];
    value = first;
  } catch (cause) {
    throw new SmpCborError(`malformed CBOR: ${(cause as Error).message}`, { cause });
  }
  if (!isMap(value)) throw new SmpCborError('the CBOR is not a map');
  return value;
}

export function isMap(value: unknown): value is CborMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}
