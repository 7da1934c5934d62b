/**
 * The baseline: what common web SMP clients do — one chunk of 128 data bytes
 * in flight, the next sent only when the device has answered the last, each
 * at the offset the device reported. client/upload-sequential.ts is not used:
 * it takes a frame budget, not a chunk size, so its chunks would vary with the
 * CBOR width of `off` and its first chunk is budgeted apart; this loop sends
 * exactly 128 bytes each time (less only where the link's frame cannot hold
 * them, e.g. Bluetooth without reassembly).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { SmpTimeoutError } from '../../src/client/errors.ts';
import type { SmpClient } from '../../src/client/smp-client.ts';
import {
  image,
  maxDataLength,
  type SmpRequest,
  type UploadAnswer,
} from '../../src/core/smp/index.ts';

export const BASELINE_CHUNK = 128;
/** Zephyr refuses a first chunk with less than a whole image header. */
const FIRST_CHUNK_MIN = 32;
/** A fault-free link loses nothing; a few retries only keep a surprise from hanging the run. */
const RETRIES = 5;

export class BaselineTooSmallError extends Error {
  readonly code = 'frame-too-small';
}

/** Uploads `bytes`; resolves with the data bytes of its chunks (the first, then the usual). */
export async function uploadStopAndWait(
  client: SmpClient,
  bytes: Uint8Array,
  maxFrame: number,
): Promise<{ chunk: number; retries: number }> {
  const sha = sha256(bytes);
  let off = 0;
  let retries = 0;
  let chunk = 0;
  while (off < bytes.length) {
    const at = off;
    const build = (data: Uint8Array): SmpRequest<UploadAnswer> =>
      at === 0 ? image.uploadFirst({ len: bytes.length, data, sha }) : image.uploadNext(at, data);
    const n = Math.min(BASELINE_CHUNK, maxDataLength(maxFrame, build), bytes.length - at);
    if (at === 0 && n < FIRST_CHUNK_MIN)
      throw new BaselineTooSmallError(`a ${maxFrame}-byte frame holds no first chunk`);
    chunk = Math.max(chunk, n);
    try {
      const answer = await client.request(build(bytes.subarray(at, at + n)), { timeoutMs: 5000 });
      if (answer.off <= at && ++retries > RETRIES) throw new Error(`stuck at offset ${at}`);
      off = answer.off;
    } catch (error) {
      if (!(error instanceof SmpTimeoutError) || ++retries > RETRIES) throw error;
    }
  }
  return { chunk, retries };
}
