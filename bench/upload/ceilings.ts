/**
 * What a serial upload could reach at best, to hold the measured one against.
 *
 * - Framing-limited ceiling: the image cut in chunks as large as the frame
 *   budget allows (core/update frameBudget, the engine's own rule), each
 *   chunk's request encoded (SMP header + CBOR) and framed for the console
 *   (length, CRC, base64, markers, newlines), all of it back to back at
 *   baud / 10 bytes per second. Nothing but the framing is lost.
 * - Device-bound ceiling: the device takes each line into one of R line
 *   buffers (CONFIG_UART_MCUMGR_RX_BUF_COUNT, default 2), freed only by the
 *   SMP work queue (smp_uart.c) — the same queue that writes the chunk to
 *   flash and polls the answer out. So while it is busy with one chunk, only
 *   R lines of the next can be taken; without flow control the rest are
 *   lost. With L lines per frame, a chunk takes at least the longer of its L
 *   lines on the wire and the queue's busy time plus what must come after it.
 *   That is the best a host timing every line perfectly could do; two rules:
 *   - 'zephyr': uart_mcumgr_rx_byte takes a buffer at a line's first byte,
 *     and the queue is busy until the answer is out: busy = process + flash
 *     write + answer, then lines R+1…L on the wire.
 *   - 'sim': src/sim/link-serial.ts takes a buffer when a line's last byte
 *     arrives, and frees lines that waited during the flash work before the
 *     answer is out: busy = process + flash write, then lines R+2…L.
 */
import {
  frameSizeWithData,
  image,
  maxDataLength,
  serialLines,
  SMP_HEADER_SIZE,
  ZEPHYR_CONTINUATION_CHARS,
  type SmpRequest,
  type UploadAnswer,
} from '../../src/core/smp/index.ts';
import { frameBudget } from '../../src/core/update/index.ts';
import type { DeviceConfig } from '../../src/sim/index.ts';
import { encodeZcbor } from '../../src/sim/zcbor.ts';

export type BufferRule = 'zephyr' | 'sim';

export interface LinkShape {
  readonly maxFrame: number;
  /** Raw bytes per console line (93). */
  readonly writeSize: number;
  /** Length and CRC (4). */
  readonly frameOverhead: number;
}

/** Console bytes (lines with markers and newlines) of a frame of `frameLength` bytes. */
function lineLengths(frameLength: number, zephyr = false): number[] {
  const options = zephyr ? { continuationChars: ZEPHYR_CONTINUATION_CHARS } : {};
  return serialLines(new Uint8Array(frameLength), options).map((line) => line.length);
}

/** Bytes of the device's answer to a chunk ending at `off` (zcbor's indefinite map, as sent). */
function answerLength(off: number): number {
  return SMP_HEADER_SIZE + encodeZcbor({ off }).length;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export interface SerialCeilings {
  /** Image bytes per second with nothing but framing lost. */
  readonly framing: number;
  /** Image bytes per second the line buffers and SMP thread allow at best, by rule. */
  readonly device: Readonly<Record<BufferRule, number>>;
  /** Frame bytes of the usual chunk, and its lines. */
  readonly frameBytes: number;
  readonly lines: number;
  /** Milliseconds the SMP thread is busy per usual chunk (process, flash write, answer out). */
  readonly busyMs: number;
}

/**
 * The ceilings for `imageBytes` sent in frames of at most `link.maxFrame`
 * carrying at most `chunkLimit` data bytes (Infinity: as much as fits, as
 * the engine does; 128 for the baseline).
 */
export function serialCeilings(
  config: DeviceConfig,
  imageBytes: number,
  link: LinkShape,
  chunkLimit = Infinity,
): SerialCeilings {
  const serial = config.serial;
  if (!serial?.baud) throw new Error('serial ceilings need a UART with a baud rate');
  const bytesPerMs = serial.baud / 10 / 1000;
  const buffers = serial.rxLineBuffers;
  const decode = serial.lineProcessMs;
  const budget = chunkLimit === Infinity ? frameBudget(link) : link.maxFrame;
  const sha = new Uint8Array(32);
  let wireMs = 0;
  const deviceMs = { zephyr: 0, sim: 0 };
  let usual = { frameBytes: 0, lines: 0, busyMs: 0, data: 0 };
  for (let off = 0; off < imageBytes;) {
    const at = off;
    const build = (data: Uint8Array): SmpRequest<UploadAnswer> =>
      at === 0 ? image.uploadFirst({ len: imageBytes, data, sha }) : image.uploadNext(at, data);
    const n = Math.min(chunkLimit, maxDataLength(budget, build), imageBytes - at);
    const frameBytes = frameSizeWithData(build, n);
    const lines = lineLengths(frameBytes).map((bytes) => bytes / bytesPerMs);
    const onWire = sum(lines);
    const answerMs = sum(lineLengths(answerLength(at + n), true)) / bytesPerMs;
    const work = config.processMs + n * config.flash.writeByteMs;
    wireMs += onWire;
    deviceMs.zephyr += Math.max(onWire, work + answerMs + sum(lines.slice(buffers)) + decode);
    deviceMs.sim += Math.max(onWire, work + decode + sum(lines.slice(buffers + 1)) + decode);
    if (n > usual.data)
      usual = { frameBytes, lines: lines.length, busyMs: work + answerMs, data: n };
    off += n;
  }
  return {
    framing: (imageBytes / wireMs) * 1000,
    device: {
      zephyr: (imageBytes / deviceMs.zephyr) * 1000,
      sim: (imageBytes / deviceMs.sim) * 1000,
    },
    frameBytes: usual.frameBytes,
    lines: usual.lines,
    busyMs: usual.busyMs,
  };
}

export interface BestFrame {
  /** Console lines per frame that give the highest device-bound ceiling (Zephyr's rule). */
  readonly lines: number;
  /** The frame budget that makes frames of that many lines (lines × 93 raw bytes − length and CRC). */
  readonly maxFrame: number;
  readonly ceilings: SerialCeilings;
}

/**
 * The frame size, in whole console lines, that a host should pick against
 * this device: fewer lines leave less to arrive after the SMP thread is free
 * (as many as there are line buffers can wait meanwhile), more lines spread
 * the fixed costs; 2 lines is the least that holds a first chunk.
 */
export function bestFrame(config: DeviceConfig, imageBytes: number, link: LinkShape): BestFrame {
  let best: BestFrame | null = null;
  for (let lines = 2; lines * link.writeSize - link.frameOverhead <= link.maxFrame; lines++) {
    const maxFrame = lines * link.writeSize - link.frameOverhead;
    const ceilings = serialCeilings(config, imageBytes, { ...link, maxFrame });
    if (!best || ceilings.device.zephyr > best.ceilings.device.zephyr)
      best = { lines, maxFrame, ceilings };
  }
  if (!best) throw new Error(`a ${link.maxFrame}-byte frame is less than 2 console lines`);
  return best;
}
