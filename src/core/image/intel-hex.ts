/**
 * Intel HEX in and out, through Nordic's nrf-intel-hex. Images are read as
 * imgtool reads them (python intelhex `tobinarray()`: one contiguous block
 * from the lowest address, gaps filled with 0xff) and written as imgtool
 * writes them (16 data bytes per record, extended linear address records only
 * where the upper 16 address bits change).
 * @module
 */
import MemoryMap from 'nrf-intel-hex';
import { latin1String } from '../bytes.ts';
import { FieldflashError } from '../errors.ts';

export class HexFormatError extends FieldflashError {
  readonly code = 'bad-hex';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`not a valid Intel HEX file: ${detail}`, options);
  }
}

export interface HexImage {
  readonly bytes: Uint8Array;
  /** Address of the first byte (python intelhex `minaddr()`). */
  readonly baseAddress: number;
}

/** Largest span we will materialise from a HEX file: a sparse file must not make us allocate gigabytes. */
export const MAX_HEX_SPAN = 64 * 1024 * 1024;

export function looksLikeIntelHex(data: Uint8Array): boolean {
  let i = 0;
  while (
    i < data.length &&
    (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09)
  )
    i++;
  return data[i] === 0x3a; // ':'
}

export function parseIntelHex(data: Uint8Array): HexImage {
  let map: MemoryMap;
  try {
    map = MemoryMap.fromHex(latin1String(data)).join();
  } catch (cause) {
    throw new HexFormatError((cause as Error).message, { cause });
  }
  const blocks = [...map.entries()];
  const first = blocks[0];
  const last = blocks[blocks.length - 1];
  if (!first || !last) throw new HexFormatError('it holds no data records');
  const base = first[0];
  const span = last[0] + last[1].length - base;
  if (span > MAX_HEX_SPAN) {
    throw new HexFormatError(
      `its data spans ${span} bytes (0x${base.toString(16)}…), more than an image slot can hold`,
    );
  }
  const bytes = new Uint8Array(span).fill(0xff);
  for (const [address, block] of blocks) bytes.set(block, address - base);
  return { bytes, baseAddress: base };
}

/**
 * Writes `blocks` (address → bytes) as Intel HEX text
 * byte-for-byte as python intelhex's `write_hex_file` does, which is what
 * imgtool emits: up to 16 data bytes per record starting at each run of data,
 * records never crossing a 64 KiB boundary, a type-04 extended linear address
 * record only when some address is above 0xFFFF (then before each 64 KiB
 * segment), uppercase hex, `\n` line ends. nrf-intel-hex's writer always
 * emits the 04 record and aligns records differently, so images it wrote
 * would not be identical to imgtool's.
 */
export function formatIntelHex(input: ReadonlyArray<readonly [number, Uint8Array]>): string {
  const blocks = mergeBlocks(input);
  const last = blocks[blocks.length - 1];
  const maxAddress = last ? last[0] + last[1].length - 1 : 0;
  const needOffsetRecords = maxAddress > 0xffff;
  const lines: string[] = [];
  let segment = -1;
  for (const [address, bytes] of blocks) {
    for (let pos = 0; pos < bytes.length;) {
      const cur = address + pos;
      if (needOffsetRecords && cur >>> 16 !== segment) {
        segment = cur >>> 16;
        lines.push(record(0, 0x04, Uint8Array.of(segment >>> 8, segment & 0xff)));
      }
      const low = cur & 0xffff;
      const n = Math.min(16, 0x10000 - low, bytes.length - pos);
      lines.push(record(low, 0x00, bytes.subarray(pos, pos + n)));
      pos += n;
    }
  }
  lines.push(':00000001FF');
  return lines.join('\n') + '\n';
}

/**
 * Sorts blocks and joins those that touch or overlap into single runs (later
 * blocks win where they overlap), as python intelhex's flat address map does:
 * a trailer's image_ok and magic written side by side become one run.
 */
function mergeBlocks(blocks: ReadonlyArray<readonly [number, Uint8Array]>): [number, Uint8Array][] {
  const sorted = blocks
    .map(([start, bytes], order) => ({ start, end: start + bytes.length, bytes, order }))
    .filter((b) => b.bytes.length > 0)
    .sort((a, b) => a.start - b.start);
  const runs: { start: number; end: number; members: typeof sorted }[] = [];
  for (const b of sorted) {
    const run = runs.at(-1);
    if (run && b.start <= run.end) {
      run.end = Math.max(run.end, b.end);
      run.members.push(b);
    } else runs.push({ start: b.start, end: b.end, members: [b] });
  }
  return runs.map((run) => {
    const only = run.members.length === 1 ? run.members[0] : undefined;
    if (only) return [run.start, only.bytes];
    const out = new Uint8Array(run.end - run.start);
    for (const m of run.members.sort((a, b) => a.order - b.order))
      out.set(m.bytes, m.start - run.start);
    return [run.start, out];
  });
}

function record(offset: number, type: number, data: Uint8Array): string {
  const fields = [data.length, offset >>> 8, offset & 0xff, type, ...data];
  const checksum = -fields.reduce((a, b) => a + b, 0) & 0xff;
  return (
    ':' +
    [...fields, checksum]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase()
  );
}
