/**
 * A plain, one-chunk-at-a-time image upload for the CLI's `upload` command
 * (the pipelined, resumable engine is engine/'s). The device's `off` is the
 * truth: each chunk starts where the device said.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { FieldflashError } from '../core/errors.ts';
import { image, maxDataLength, SmpDeviceError, type FirstChunk } from '../core/smp/index.ts';
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

  let off = 0;
  let match: boolean | undefined;
  let failures = 0;
  while (off < bytes.length) {
    signal?.throwIfAborted();
    const build = off === 0 ? first(sha) : (data: Uint8Array) => image.uploadNext(off, data);
    const request = build(bytes.subarray(off, off + maxDataLength(maxFrame, build)));
    let answer;
    try {
      answer = await client.request(request, {
        signal,
        timeoutMs:
          off === 0 ? (options.firstTimeoutMs ?? 40_000) : (options.chunkTimeoutMs ?? 5_000),
      });
    } catch (error) {
      const retryable =
        error instanceof SmpTimeoutError || (error instanceof SmpDeviceError && error.busy);
      if (!retryable || ++failures > retries) throw error;
      if (error instanceof SmpDeviceError) await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (answer.off > bytes.length)
      throw new UploadStalledError(off, `the device claims offset ${answer.off}, past the end`);
    // Progress resets the budget; a device that keeps asking for the same (or an earlier) offset uses it up.
    failures = answer.off > off ? 0 : failures + 1;
    if (failures > retries)
      throw new UploadStalledError(off, `it keeps asking for offset ${answer.off}`);
    off = answer.off;
    match = answer.match;
    options.onProgress?.({ sent: off, total: bytes.length });
  }
  return { match };
}
