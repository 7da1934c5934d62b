/**
 * A plain, one-chunk-at-a-time image upload for the CLI's `upload` command
 * (the pipelined, resumable engine is engine/'s). The device's `off` is the
 * truth: each chunk starts where the device said.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { FieldflashError } from '../core/errors.ts';
import {
  frameSizeWithData,
  image,
  maxDataLength,
  SmpDeviceError,
  type FirstChunk,
} from '../core/smp/index.ts';
import { SmpTimeoutError } from './errors.ts';
import type { SmpClient } from './smp-client.ts';

export interface UploadProgress {
  readonly sent: number;
  readonly total: number;
}

export interface SequentialUploadOptions {
  readonly maxFrame: number;
  readonly imageIndex?: number;
  readonly upgrade?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: UploadProgress) => void;
  /** First chunk: the device may erase the whole slot before answering (clients use 40 s). */
  readonly firstTimeoutMs?: number;
  readonly chunkTimeoutMs?: number;
  /** Attempts per offset before giving up. */
  readonly retries?: number;
}

/** The link cannot carry even the smallest first chunk Zephyr accepts (32 bytes). */
export class FrameTooSmallError extends FieldflashError {
  readonly code = 'frame-too-small';
  constructor(readonly maxFrame: number) {
    super(
      `The link carries SMP frames of only ${maxFrame} bytes, too small for the 32-byte first chunk an upload needs.`,
    );
  }
}

/** The device stopped taking data. */
export class UploadStalledError extends FieldflashError {
  readonly code = 'upload-stalled';
  constructor(
    readonly offset: number,
    why: string,
  ) {
    super(`The upload stopped making progress at byte ${offset}: ${why}.`);
  }
}

/** Frame budget of the first chunk: two 127-byte console lines (2 × 93 raw bytes − length and CRC). */
const FIRST_FRAME_BUDGET = 182;
/** Smallest frame budget shrinking goes down to. */
const MIN_FRAME_BUDGET = 128;

/** Zephyr refuses a first chunk with less than a whole image header (err 22). */
const FIRST_CHUNK_MIN = 32;

export async function uploadSequential(
  client: SmpClient,
  bytes: Uint8Array,
  options: SequentialUploadOptions,
): Promise<{ readonly match: boolean | undefined }> {
  const { signal, maxFrame } = options;
  if (bytes.length < FIRST_CHUNK_MIN)
    throw new RangeError(`an image is at least ${FIRST_CHUNK_MIN} bytes`);
  const retries = options.retries ?? 5;
  const first = (sha: Uint8Array | undefined) => (data: Uint8Array) => {
    const chunk: FirstChunk = { len: bytes.length, data, ...(sha ? { sha } : {}) };
    return image.uploadFirst({
      ...chunk,
      ...(options.imageIndex !== undefined ? { image: options.imageIndex } : {}),
      ...(options.upgrade !== undefined ? { upgrade: options.upgrade } : {}),
    });
  };
  // The full SHA-256 lets Zephyr resume an interrupted upload and report `match`;
  // on tiny frames it is left out rather than starving the first chunk (smpclient `use_sha`).
  let sha: Uint8Array | undefined = sha256(bytes);
  if (maxDataLength(maxFrame, first(sha)) < FIRST_CHUNK_MIN) sha = undefined;
  if (maxDataLength(maxFrame, first(sha)) < Math.min(FIRST_CHUNK_MIN, bytes.length))
    throw new FrameTooSmallError(maxFrame);

  // The first chunk is kept small: the device may spend seconds erasing before it
  // answers, and a frame of few lines is the least likely to be lost meanwhile.
  const firstMin = frameSizeWithData(first(sha), FIRST_CHUNK_MIN);
  let firstBudget = Math.min(maxFrame, Math.max(FIRST_FRAME_BUDGET, firstMin));
  let laterBudget = maxFrame;
  const laterMin = Math.min(maxFrame, MIN_FRAME_BUDGET);
  let off = 0;
  let match: boolean | undefined;
  let failures = 0;
  while (off < bytes.length) {
    signal?.throwIfAborted();
    const build = off === 0 ? first(sha) : (data: Uint8Array) => image.uploadNext(off, data);
    const request = build(
      bytes.subarray(off, off + maxDataLength(off === 0 ? firstBudget : laterBudget, build)),
    );
    const timeoutMs =
      off === 0 ? (options.firstTimeoutMs ?? 40_000) : (options.chunkTimeoutMs ?? 5_000);
    let answer;
    try {
      answer = await client.request(request, { signal, timeoutMs });
    } catch (error) {
      const timedOut = error instanceof SmpTimeoutError;
      if (!timedOut && !(error instanceof SmpDeviceError && error.busy)) throw error;
      if (++failures > retries) {
        throw new UploadStalledError(
          off,
          timedOut
            ? `the device did not answer ${failures} attempts at this offset (${(timeoutMs / 1000).toFixed(1)} s each)`
            : 'the device stayed busy',
        );
      }
      if (timedOut) {
        // A lost frame is often one too long for the device to take in a burst: halve the next ones.
        if (off === 0) firstBudget = Math.max(firstMin, Math.floor(firstBudget / 2));
        else laterBudget = Math.max(laterMin, Math.floor(laterBudget / 2));
      } else {
        await new Promise((r) => setTimeout(r, 100));
      }
      continue;
    }
    if (answer.off > bytes.length)
      throw new UploadStalledError(off, `the device claims offset ${answer.off}, past the end`);
    // Progress resets the failure count; a device that keeps asking for the same (or an earlier) offset uses it up.
    failures = answer.off > off ? 0 : failures + 1;
    if (failures > retries)
      throw new UploadStalledError(off, `it keeps asking for offset ${answer.off}`);
    off = answer.off;
    match = answer.match;
    options.onProgress?.({ sent: off, total: bytes.length });
  }
  return { match };
}
