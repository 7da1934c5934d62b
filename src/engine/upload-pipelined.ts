/**
 * The pipelined upload: several chunks in flight, the device's `off` as the
 * only truth. Chunks are sized exactly from the encoded frame to fill whole
 * link writes (core/update frameBudget); the window grows while answers
 * come and halves on a loss (core/update UploadWindow); each failure gets a
 * typed decision (core/update decide). When the device answers a chunk with
 * another offset (it missed an earlier one), sending resumes from the
 * device's offset — so what is re-sent after a loss is at most one window.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { SmpTimeoutError } from '../client/errors.ts';
import type { SmpClient } from '../client/smp-client.ts';
import { FrameTooSmallError, UploadStalledError } from '../client/upload-sequential.ts';
import {
  image,
  maxDataLength,
  MgmtErr,
  SmpDeviceError,
  SmpShapeError,
  type SmpRequest,
  type UploadAnswer,
} from '../core/smp/index.ts';
import {
  decide,
  DEFAULT_RETRY,
  frameBudget,
  UploadWindow,
  type LinkShape,
  type RetryPolicy,
  type UploadFailure,
} from '../core/update/index.ts';
import { DeviceMisbehavedError, SlotMismatchError, UploadRestartedError } from './errors.ts';

export interface PipelinedUploadOptions {
  readonly link: LinkShape;
  /** Requests the device can hold at once (buf_count − 1; 1 when unknown). */
  readonly windowCap: number;
  readonly imageIndex?: number;
  readonly upgrade?: boolean;
  /** The first chunk may wait for an erase of the whole image area. */
  readonly firstTimeoutMs?: number;
  readonly chunkTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
  /** Called each time the device confirms more bytes. */
  readonly onProgress?: (p: UploadProgress) => void;
  /**
   * Called once, with the device's answer to the first chunk: an `offset`
   * other than `firstChunk` means it kept an interrupted upload of this image.
   */
  readonly onStart?: (start: { readonly offset: number; readonly firstChunk: number }) => void;
}

export interface UploadProgress {
  /** Bytes the device has confirmed (its `off`). */
  readonly acked: number;
  readonly total: number;
  /** Image bytes put on the link so far, re-sends included. */
  readonly sent: number;
  readonly window: number;
  /** Data bytes in the chunks sent now. */
  readonly chunk: number;
}

export interface UploadResult {
  /** The device's hash check of the slot, where it makes one (IMG_ENABLE_IMAGE_CHECK); false is thrown as SlotMismatchError. */
  readonly match: true | undefined;
  /** Image bytes sent in all, re-sends included. */
  readonly sentBytes: number;
  /** Where the device was after the first chunk (> 0: it resumed an interrupted upload). */
  readonly resumedAt: number;
}

/** Zephyr refuses a first chunk with less than a whole image header (IMG_MGMT_ERR_INVALID_IMAGE_HEADER). */
const FIRST_CHUNK_MIN = 32;
/** The shortest answer timeout for later chunks. */
const MIN_CHUNK_TIMEOUT_MS = 300;
/**
 * Impossible answers (an offset past the image) tolerated as damaged ones
 * before the device is taken for a liar: one corrupted answer must not end
 * an update, a device that keeps saying it must.
 */
const IMPOSSIBLE_ANSWERS = 3;
/** Frames shrink no further than this (two console lines' worth). */
const MIN_BUDGET = 128;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

function failureOf(error: unknown): UploadFailure | null {
  // An answer damaged on the way (Bluetooth has no checksum) is as good as lost.
  if (error instanceof SmpTimeoutError || error instanceof SmpShapeError)
    return { kind: 'timeout' };
  if (error instanceof SmpDeviceError) {
    return error.busy || error.rc === MgmtErr.ENOMEM
      ? { kind: 'busy' }
      : { kind: 'refused', rc: error.rc };
  }
  return null;
}

export async function uploadPipelined(
  client: SmpClient,
  bytes: Uint8Array,
  options: PipelinedUploadOptions,
): Promise<UploadResult> {
  const { signal } = options;
  const total = bytes.length;
  const policy = options.retry ?? DEFAULT_RETRY;
  const fullBudget = frameBudget(options.link);
  let budget = fullBudget;
  const sha = sha256(bytes);
  const firstRequest = (data: Uint8Array) =>
    image.uploadFirst({
      len: total,
      data,
      sha,
      ...(options.imageIndex !== undefined ? { image: options.imageIndex } : {}),
      ...(options.upgrade ? { upgrade: true } : {}),
    });
  if (maxDataLength(options.link.maxFrame, firstRequest) < Math.min(FIRST_CHUNK_MIN, total)) {
    throw new FrameTooSmallError(options.link.maxFrame);
  }
  let sentBytes = 0;
  const attempts = new Map<number, number>();
  let impossibleAnswers = 0;
  /** Counts an impossible offset; throws once the device has said too many. */
  const impossible = (off: number) => {
    if (++impossibleAnswers > IMPOSSIBLE_ANSWERS) {
      throw new DeviceMisbehavedError(
        `offset ${off} past the end of a ${total}-byte image, ${impossibleAnswers} times`,
      );
    }
  };

  /** Records a failure at `off` and carries out the decision; returns false to stop. */
  async function onFailure(off: number, failure: UploadFailure): Promise<void> {
    const attempt = (attempts.get(off) ?? 0) + 1;
    attempts.set(off, attempt);
    const d = decide(failure, attempt, policy);
    if (d.action === 'abort') throw new UploadStalledError(off, d.why);
    if (d.action === 'reconnect') throw new UploadStalledError(off, 'the link was lost');
    if (d.action === 'shrink')
      budget = Math.max(Math.min(MIN_BUDGET, fullBudget), Math.floor(budget / 2));
    await sleep(d.waitMs, signal);
  }

  /** Serial console framing (length + CRC around base64 lines); Bluetooth has none. */
  const lineFramed = options.link.frameOverhead > 0;
  const twoLines = Math.max(
    frameBudget({ ...options.link, maxFrame: 2 * options.link.writeSize }),
    MIN_BUDGET,
  );

  // --- the first chunk, alone: the device may erase for seconds before it answers.
  let acked = 0;
  let match: boolean | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const firstBudget = Math.min(budget, twoLines);
    const data = bytes.subarray(
      0,
      Math.max(Math.min(FIRST_CHUNK_MIN, total), maxDataLength(firstBudget, firstRequest)),
    );
    try {
      sentBytes += data.length;
      const a = await client.request(firstRequest(data), {
        signal,
        timeoutMs: options.firstTimeoutMs ?? 40_000,
      });
      if (a.off > total) {
        impossible(a.off);
        await onFailure(0, { kind: 'timeout' });
        continue;
      }
      acked = a.off;
      match = a.match;
      options.onStart?.({ offset: a.off, firstChunk: data.length });
      break;
    } catch (error) {
      const failure = failureOf(error);
      if (!failure) throw error;
      await onFailure(0, failure);
    }
  }
  const resumedAt = acked;

  // --- the rest, pipelined.
  const window = new UploadWindow({ cap: options.windowCap });
  let next = acked;
  /** Offsets in flight → the end of their chunk. */
  const inFlight = new Map<number, number>();
  let lastChunk = 0;
  let settle: (() => void) | null = null;
  // A holder, since it is set from the answers' callbacks.
  const stop: { fatal: Error | null } = { fatal: null };
  const fail = (e: unknown) => (stop.fatal = e instanceof Error ? e : new Error(String(e)));
  const wake = () => {
    settle?.();
    settle = null;
  };
  const progress = () =>
    options.onProgress?.({ acked, total, sent: sentBytes, window: window.size, chunk: lastChunk });
  progress();

  // Later chunks time out after a few of the slowest recent answers (not a fixed 5 s): a
  // loss costs little, while a device that slows down (flash work) widens the limit again.
  let slowest = 0;
  const chunkTimeout = () => {
    const limit = options.chunkTimeoutMs ?? 5000;
    // On a slow link a full window takes longer than the limit to get through: the
    // limit then follows the slowest answer seen, so queueing is not taken for loss.
    return slowest === 0
      ? limit
      : Math.min(Math.max(limit, 2 * slowest), Math.max(MIN_CHUNK_TIMEOUT_MS, 3 * slowest + 100));
  };

  /**
   * Over a serial console a frame lost with others in flight means lines arrived
   * while the device was busy writing flash, and Zephyr's UART has only two line
   * buffers: the frames are halved (down to two lines, which fit) and the window
   * may grow again. Over Bluetooth the frames stay as they are.
   */
  const burstLost = () => {
    if (!lineFramed || budget <= twoLines) return;
    budget = Math.max(twoLines, Math.floor(budget / 2));
    window.reopen();
  };

  /** A request whose chunk ends at `end` got no usable answer. */
  const lostAnswer = async (end: number, failure: UploadFailure) => {
    if (end <= acked) return; // answered meanwhile by a later chunk's success
    // Several in flight: the window narrows here, and decide() leaves the frames alone.
    const pipelined = window.size > 1;
    window.lost();
    if (pipelined && failure.kind === 'timeout') burstLost();
    try {
      await onFailure(acked, failure.kind === 'timeout' ? { kind: 'timeout', pipelined } : failure);
    } catch (e) {
      fail(e);
      return;
    }
    if (next > acked && !inFlight.has(acked)) next = acked;
  };

  const send = (off: number) => {
    // At offset 0 (the device lost or restarted the upload) only a first chunk is
    // accepted; with the same sha Zephyr continues where it is.
    const build = (data: Uint8Array): SmpRequest<UploadAnswer> =>
      off === 0 ? firstRequest(data) : image.uploadNext(off, data);
    const n = Math.max(1, maxDataLength(budget, build));
    const data = bytes.subarray(off, Math.min(total, off + n));
    const end = off + data.length;
    inFlight.set(off, end);
    sentBytes += data.length;
    lastChunk = data.length;
    const sentAt = Date.now();
    client
      .request(build(data), { signal, timeoutMs: chunkTimeout() })
      .then(
        async (a) => {
          inFlight.delete(off);
          slowest = Math.max(slowest * 0.9, Date.now() - sentAt);
          if (a.off > total) {
            try {
              impossible(a.off);
            } catch (e) {
              fail(e);
              return;
            }
            await lostAnswer(end, { kind: 'timeout' });
            return;
          }
          if (a.match !== undefined) match = a.match;
          if (a.off === 0 && acked > 0 && off > 0) {
            stop.fatal = new UploadRestartedError(acked);
            return;
          }
          if (a.off > acked) {
            acked = a.off;
            attempts.clear();
            progress();
          }
          if (a.off >= end) window.acked();
          // The device did not take this chunk: it is at a.off; go back there (once per gap).
          else if (a.off >= acked && next > a.off && !inFlight.has(a.off)) {
            window.lost();
            burstLost();
            next = a.off;
          }
        },
        async (error: unknown) => {
          inFlight.delete(off);
          const failure = failureOf(error);
          if (!failure) {
            fail(error);
            return;
          }
          await lostAnswer(end, failure);
        },
      )
      .finally(wake);
  };

  while (acked < total) {
    if (stop.fatal) throw stop.fatal;
    signal?.throwIfAborted();
    while (inFlight.size < window.size && next < total) {
      const off = next;
      send(off);
      next = inFlight.get(off) ?? total;
    }
    if (inFlight.size === 0 && next >= total && acked < total) {
      // Everything was sent and answered but the device is behind: go back to its
      // offset — within the retry budget, so a device that never moves cannot loop us.
      await onFailure(acked, { kind: 'behind' });
      next = acked;
      continue;
    }
    await new Promise<void>((resolve) => (settle = resolve));
  }
  // Let the stragglers finish, so nothing is left pending on the client.
  while (inFlight.size > 0) await new Promise<void>((resolve) => (settle = resolve));
  if (stop.fatal) throw stop.fatal;
  if (match === false) throw new SlotMismatchError();
  return { match: match === true ? true : undefined, sentBytes, resumedAt };
}
