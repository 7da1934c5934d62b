/**
 * SMP over a serial console ("SMP over console", research/protocols.md §4;
 * Zephyr smp-console.md, serial_util.c; MCUboot boot_serial.c):
 *
 *   raw   = u16be(len(frame) + 2) ‖ frame ‖ u16be(CRC-16/XMODEM(frame))
 *   lines = "\x06\x09" base64(first part) "\n", then "\x04\x14" base64(part) "\n" …
 *
 * Each line is at most 127 bytes and its base64 decodes on its own. The
 * decoder takes lines of any length up to a limit (Zephyr continues with
 * 123-byte lines), ignores console text between frames, and drops — and
 * counts — bad CRCs, bad lengths, bad base64 and orphan continuations.
 * @module
 */
import { base64 } from '@scure/base';
import crc16xmodem from 'crc/calculators/crc16xmodem';
import { concatBytes } from '../../bytes.ts';
import { SMP_HEADER_SIZE } from '../header.ts';

const START = [0x06, 0x09] as const;
const CONTINUE = [0x04, 0x14] as const;
const NEWLINE = 0x0a;

/** A line is at most 127 bytes including its 2-byte marker and newline (MCUMGR_SERIAL_MAX_FRAME). */
export const SERIAL_MAX_LINE = 127;
/** 124 base64 characters per line = 93 raw bytes. */
export const SERIAL_LINE_CHARS = 124;
/** Zephyr's own continuation lines carry 120 characters (90 raw bytes). */
export const ZEPHYR_CONTINUATION_CHARS = 120;
/** Length prefix and CRC around each frame. */
export const SERIAL_FRAME_OVERHEAD = 4;

export function crc16(data: Uint8Array): number {
  return crc16xmodem(data);
}

export interface SerialEncodeOptions {
  /** Base64 characters in continuation lines (multiple of 4, ≤ 124). Default 124, as smpclient. */
  readonly continuationChars?: number;
}

/** Encodes one SMP frame as console lines, concatenated, ready to write. */
export function encodeSerialFrame(
  frame: Uint8Array,
  options: SerialEncodeOptions = {},
): Uint8Array {
  return concatBytes(...serialLines(frame, options));
}

export function serialLines(frame: Uint8Array, options: SerialEncodeOptions = {}): Uint8Array[] {
  const cont = options.continuationChars ?? SERIAL_LINE_CHARS;
  if (cont % 4 !== 0 || cont < 4 || cont > SERIAL_LINE_CHARS)
    throw new RangeError('continuation lines carry 4…124 base64 characters, a multiple of 4');
  const total = frame.length + 2;
  if (total > 0xffff) throw new RangeError(`a serial frame carries at most ${0xffff - 2} bytes`);
  const crc = crc16(frame);
  const raw = concatBytes(
    Uint8Array.of(total >>> 8, total & 0xff),
    frame,
    Uint8Array.of(crc >>> 8, crc & 0xff),
  );
  const lines: Uint8Array[] = [];
  // Split the raw bytes in whole 3-byte groups so that every line's base64 stands alone.
  let at = 0;
  let first = true;
  while (at < raw.length) {
    const bytes = ((first ? SERIAL_LINE_CHARS : cont) / 4) * 3;
    const text = base64.encode(raw.subarray(at, at + bytes));
    const marker = first ? START : CONTINUE;
    const line = new Uint8Array(text.length + 3);
    line.set(marker);
    for (let i = 0; i < text.length; i++) line[2 + i] = text.charCodeAt(i);
    line[line.length - 1] = NEWLINE;
    lines.push(line);
    at += bytes;
    first = false;
  }
  return lines;
}

export interface SerialDropCounts {
  /** CRC over the frame did not match. */
  badCrc: number;
  /** The decoded length disagrees with the length prefix, or is impossible. */
  badLength: number;
  /** A line's base64 does not decode on its own. */
  badBase64: number;
  /** A continuation line with no frame started. */
  orphanContinuation: number;
  /** A frame abandoned because a new start line arrived before it completed. */
  interrupted: number;
  /** A line longer than the decoder's limit. */
  lineTooLong: number;
}

export interface SerialDeframerOptions {
  /** Longest line accepted, marker and newline included (default 4096). */
  readonly maxLine?: number;
}

/**
 * Reassembles SMP frames from a serial byte stream, chunked any way. `push`
 * returns the frames completed by those bytes; problems are counted in
 * `drops`, never thrown.
 */
export class SerialDeframer {
  readonly drops: SerialDropCounts = {
    badCrc: 0,
    badLength: 0,
    badBase64: 0,
    orphanContinuation: 0,
    interrupted: 0,
    lineTooLong: 0,
  };
  /** Lines that were not SMP (console or log output). */
  consoleLines = 0;
  readonly #maxLine: number;
  #line: number[] = [];
  #overlong = false;
  #frame: { expected: number; parts: Uint8Array[]; received: number } | null = null;

  constructor(options: SerialDeframerOptions = {}) {
    this.#maxLine = options.maxLine ?? 4096;
  }

  push(bytes: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (const b of bytes) {
      if (b !== NEWLINE) {
        if (this.#line.length < this.#maxLine) this.#line.push(b);
        else this.#overlong = true;
        continue;
      }
      const line = this.#line;
      this.#line = [];
      if (this.#overlong) {
        this.#overlong = false;
        if (isMarked(line, START) || isMarked(line, CONTINUE)) this.#drop('lineTooLong');
        else this.consoleLines++;
        continue;
      }
      const frame = this.#takeLine(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  /** Forgets any partial frame (e.g. after the link was reopened). */
  reset(): void {
    this.#line = [];
    this.#overlong = false;
    this.#frame = null;
  }

  #drop(reason: keyof SerialDropCounts): undefined {
    this.drops[reason]++;
    this.#frame = null;
    return undefined;
  }

  #takeLine(line: number[]): Uint8Array | undefined {
    const start = isMarked(line, START);
    if (!start && !isMarked(line, CONTINUE)) {
      if (line.length) this.consoleLines++;
      return undefined;
    }
    // Zephyr ends lines with a bare \n; tolerate a \r from line-oriented tools.
    const end = line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
    let decoded: Uint8Array;
    try {
      decoded = base64.decode(String.fromCharCode(...line.slice(2, end)));
    } catch {
      return this.#drop('badBase64');
    }
    if (start) {
      if (this.#frame) this.drops.interrupted++;
      if (decoded.length < 2) return this.#drop('badLength');
      const expected = ((decoded[0] ?? 0) << 8) | (decoded[1] ?? 0);
      // A frame holds at least an SMP header and the CRC.
      if (expected < SMP_HEADER_SIZE + 2) return this.#drop('badLength');
      const body = decoded.subarray(2);
      this.#frame = { expected, parts: [body], received: body.length };
    } else {
      if (!this.#frame) return this.#drop('orphanContinuation');
      this.#frame.parts.push(decoded);
      this.#frame.received += decoded.length;
    }
    const f = this.#frame;
    if (f.received > f.expected) return this.#drop('badLength'); // Zephyr drops these too
    if (f.received < f.expected) return undefined;
    this.#frame = null;
    const raw = concatBytes(...f.parts);
    const frame = raw.subarray(0, raw.length - 2);
    const crc = ((raw[raw.length - 2] ?? 0) << 8) | (raw[raw.length - 1] ?? 0);
    if (crc16(frame) !== crc) return this.#drop('badCrc');
    return frame;
  }
}

function isMarked(line: readonly number[], marker: readonly [number, number]): boolean {
  return line[0] === marker[0] && line[1] === marker[1];
}
