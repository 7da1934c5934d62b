/**
 * Exact upload chunk sizing: the largest `data` that keeps the whole request
 * frame within a byte budget, computed from the encoded frame itself rather
 * than guessed (research/protocols.md §2.7: a frame over the device's buffer
 * or the link's write size is silently lost).
 * @module
 */
import { encodeFrame } from './frame.ts';
import { SMP_HEADER_SIZE, SMP_MAX_PAYLOAD } from './header.ts';
import type { SmpRequest } from './request.ts';

/** Bytes of a CBOR head for a length or unsigned integer `n` (RFC 8949 §3). */
export function cborHeadSize(n: number): number {
  if (n < 24) return 1;
  if (n <= 0xff) return 2;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffffff) return 5;
  return 9;
}

/** Size of the frame `build(data)` makes, for a `data` of `length` bytes, without building it. */
export function frameSizeWithData(
  build: (data: Uint8Array) => SmpRequest<unknown>,
  length: number,
): number {
  const req = build(new Uint8Array(0));
  const empty = encodeFrame(
    { op: req.op, version: 1, flags: 0, group: req.group, seq: 0, command: req.command },
    req.body,
  ).length;
  return empty - cborHeadSize(0) + cborHeadSize(length) + length;
}

/**
 * The largest data length such that `build(data)` encodes to at most
 * `maxFrame` bytes (header included); 0 when not even an empty chunk fits.
 */
export function maxDataLength(
  budget: number,
  build: (data: Uint8Array) => SmpRequest<unknown>,
): number {
  // The header's u16 length caps every frame, whatever the device could take.
  const maxFrame = Math.min(budget, SMP_HEADER_SIZE + SMP_MAX_PAYLOAD);
  const fixed = frameSizeWithData(build, 0) - cborHeadSize(0);
  let n = Math.max(0, maxFrame - fixed - 1);
  while (n > 0 && fixed + cborHeadSize(n) + n > maxFrame) n--;
  return fixed + cborHeadSize(n) + n <= maxFrame ? n : 0;
}
