/**
 * The upload benchmark's rows (its --json document is an array of them) and
 * how they print as tables, with a PASS/MISS line per target at the end.
 */
import type { UploadRow } from './matrix.ts';
import type { SoakTally } from './soak.ts';
import type { WallClockRow } from './wall-clock.ts';

export interface RunRow {
  readonly kind: 'run';
  readonly benchmark: 'upload';
  readonly design: 'covering' | 'full';
  readonly profiles: number;
  readonly imageBytes: number;
  readonly baselineChunkBytes: number;
  readonly node: string;
  readonly matrixWallMs?: number;
}
export type SoakRow = { readonly kind: 'soak' } & SoakTally;
export interface TargetRow {
  readonly kind: 'target';
  readonly target: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly pass: boolean;
}
export type Row = RunRow | UploadRow | WallClockRow | SoakRow | TargetRow;

const REFERENCE_EFFICIENCY = 0.85;
const SERIAL_OF_CEILING = 0.9;

export function targetRows(rows: readonly Row[]): TargetRow[] {
  const targets: TargetRow[] = [];
  const check = (target: string, value: number | null, threshold: number, atMost = false) =>
    targets.push({
      kind: 'target',
      target,
      value,
      threshold,
      pass: value !== null && (atMost ? value <= threshold : value >= threshold),
    });
  for (const r of rows) {
    if (r.kind === 'upload' && r.reference)
      check(
        `efficiency on the reference profile (${r.profile})`,
        r.efficiency,
        REFERENCE_EFFICIENCY,
      );
    if (r.kind === 'upload' && r.parameters.link === 'serial')
      check(
        `share of the framing-limited ceiling, ${r.profile}`,
        r.framingEfficiency ?? null,
        SERIAL_OF_CEILING,
      );
    if (r.kind === 'wall-clock')
      check(`MB/s of a 1 MiB upload over a zero-cost ${r.link} link`, r.mbPerSec, r.targetMbPerSec);
    if (r.kind === 'soak') {
      check('soak: untyped errors', r.untyped, 0, true);
      check('soak: devices left unbootable', r.notBootable, 0, true);
    }
  }
  return targets;
}

const kB = (n: number | null | undefined) => (n == null ? '—' : (n / 1000).toFixed(2));
const pct = (x: number | null | undefined) => (x == null ? '—' : `${(x * 100).toFixed(1)}%`);
const secs = (s: number | null) => (s === null ? '—' : s.toFixed(2));

function table(head: string[], body: string[][], leftColumns = 1): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  console.log(line(head));
  for (const r of body) console.log(line(r));
}

function printUploads(uploads: readonly UploadRow[]): void {
  const ble = uploads.filter((u) => u.parameters.link === 'ble');
  const serial = uploads.filter((u) => u.parameters.link === 'serial');
  const common = (u: UploadRow) => [
    (u.reference ? '* ' : '  ') + u.profile,
    secs(u.seconds),
    kB(u.throughput),
    kB(u.capacity),
    pct(u.efficiency),
    u.chunkBytes === null ? (u.error ?? '—') : `${u.chunkBytes}/${u.window}`,
    kB(u.baselineThroughput),
    pct(u.baselineEfficiency),
  ];
  const head = ['profile', 's', 'kB/s', 'cap kB/s', 'eff', 'chunk/win', 'base kB/s', 'base eff'];
  console.log('\nBluetooth LE (* = reference profile)');
  table(head, ble.map(common));
  console.log('\nUART (Zephyr console: 2 line buffers, no flow control)');
  table(head, serial.map(common));
  console.log('\nUART ceilings (kB/s; eff = measured ÷ ceiling)');
  table(
    [
      'profile',
      'framing ceil',
      'eff',
      'base ceil',
      'base eff',
      'lines',
      'busy ms',
      'lost',
      'Zephyr dev ceil',
      'eff',
      'sim dev ceil',
      'eff',
      'best lines',
      'Zephyr dev ceil',
      'measured',
      '÷ framing ceil',
    ],
    serial.map((u) => [
      '  ' + u.profile,
      kB(u.framingCeiling),
      pct(u.framingEfficiency),
      kB(u.baselineFramingCeiling),
      pct(u.baselineFramingEfficiency),
      String(u.frameLines ?? '—'),
      u.busyMsPerChunk?.toFixed(1) ?? '—',
      String(Object.values(u.drops).reduce((a, b) => a + b, 0)),
      kB(u.deviceCeiling),
      pct(u.deviceEfficiency),
      kB(u.simDeviceCeiling),
      pct(u.simDeviceEfficiency),
      String(u.bestFrameLines ?? '—'),
      kB(u.bestFrameDeviceCeiling),
      kB(u.bestFrameThroughput),
      pct(u.bestFrameFramingEfficiency),
    ]),
  );
}

export function printTable(rows: readonly Row[]): void {
  for (const r of rows) {
    if (r.kind !== 'run') continue;
    console.log(
      `upload benchmark, ${r.design === 'full' ? 'FULL design: every combination' : 'COVERING design (--full for all 720 Bluetooth combinations)'}, ` +
        `${r.profiles} profiles, image ${r.imageBytes} bytes (${r.imageBytes / 1024} KiB with header and TLVs), virtual time, Node ${r.node}`,
    );
    console.log(
      'pipelined = engine/upload-pipelined.ts; base = stop-and-wait, one 128-byte chunk in flight. Fresh device: the\n' +
        'secondary slot is erased, so no erase at the first chunk. BLE: MTU 23 = 27-byte LL packets (no DLE), larger\n' +
        'MTUs = DLE 251. cap = SimulatedDevice.capacity(): SMP frame bytes/s with full MTU−3 writes in every event (ATT,\n' +
        'L2CAP and LL packets accounted; SMP header + CBOR count as payload) or, on a UART, baud/10 × 93/127 (full\n' +
        'console lines). eff = image bytes/s ÷ cap. chunk/win = data bytes per chunk / most chunks in flight.',
    );
    if (r.matrixWallMs !== undefined)
      console.log(`matrix wall time ${(r.matrixWallMs / 1000).toFixed(1)} s`);
  }
  printUploads(rows.filter((r): r is UploadRow => r.kind === 'upload'));
  console.log(
    [
      '',
      'framing ceil: image bytes/s if every byte of every request (SMP header, CBOR, length, CRC, base64, markers,',
      'newlines) went back to back at baud/10, for the chunk size used (base: 128-byte chunks). lines: console lines',
      'per frame; busy ms: SMP thread per chunk (process + flash write + answer out); lost: lines and frames the',
      'device dropped in the pipelined run. dev ceil: the best a perfectly timed host could do, since line buffers',
      '(2) are freed only between chunks, so just 2 lines of the next frame can wait while the thread is busy —',
      'Zephyr: a line needs its buffer from its first byte and the thread is busy until the answer is out; sim:',
      "src/sim takes the buffer at a line's last byte and frees waiting lines before the answer, so one more line",
      'overlaps (its 1 ms timers add up to ~1 ms per chunk more). best lines: the frame size (console lines) with the',
      'highest Zephyr ceiling; measured: the pipelined upload with frames capped to it (link.maxFrame = lines × 93',
      '− 4), held against the framing ceiling of the full-size frames.',
    ].join('\n'),
  );
  for (const r of rows) {
    if (r.kind === 'wall-clock')
      console.log(
        `\nwall clock: ${r.imageBytes} bytes over a zero-cost ${r.link} link: median ${r.wallMs.toFixed(0)} ms real ` +
          `(runs ${r.runsMs.map((ms) => ms.toFixed(0)).join(', ')} ms; ${r.virtualMs} ms virtual): ${r.mbPerSec.toFixed(1)} MB/s`,
      );
    if (r.kind === 'soak')
      console.log(
        `\nfault soak: ${r.schedules} schedules in ${(r.wallMs / 1000).toFixed(1)} s: ` +
          Object.entries(r.outcomes)
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `${k} ${n}`)
            .join(', ') +
          `; untyped ${r.untyped}, not bootable ${r.notBootable}` +
          (r.badSeeds.length ? ` (seeds ${r.badSeeds.join(', ')})` : ''),
      );
  }
  console.log('');
  for (const r of rows) {
    if (r.kind !== 'target') continue;
    const value =
      r.value === null ? '—' : Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(3);
    console.log(
      `${r.pass ? 'PASS' : 'MISS'}  ${r.target}: ${value} (target ${r.threshold === 0 ? '0' : `≥ ${r.threshold}`})`,
    );
  }
}
