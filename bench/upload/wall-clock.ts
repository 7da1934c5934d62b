/**
 * How fast the upload machinery itself runs: a 1 MiB image through
 * uploadPipelined, the client, the real transport and the simulated device,
 * over a link that costs nothing — no connection events or baud rate, no
 * latency, no flash or processing time — so that all that is left is CPU.
 * Fake timers still order the work (each simulated delivery is a 0 ms timer);
 * process.hrtime measures the real time.
 */
import { uploadPipelined } from '../../src/engine/upload-pipelined.ts';
import { BLE_FAST, deviceProfile, type DeviceConfig } from '../../src/sim/index.ts';
import { benchImage, openSession } from './run-case.ts';
import { wallMs } from './virtual-time.ts';

export const WALL_CLOCK_BYTES = 1024 * 1024;

export type ZeroCostLink = 'ble' | 'serial';

/**
 * The nRF52840 device with every cost at zero, by configuration alone.
 * Bluetooth: the link model has no "no events" setting (an interval of 0
 * divides by zero), so events come every microsecond with room for any
 * number of packets. Serial: an infinite wire rate (as the QEMU profile) and
 * flow control with ample line buffers, so nothing waits and nothing is lost.
 */
export function zeroCostConfig(link: ZeroCostLink): DeviceConfig {
  const base = deviceProfile('nrf52840-ble');
  return {
    ...base,
    slotSize: 0x110000,
    flash: { ...base.flash, eraseSectorMs: 0, writeByteMs: 0 },
    processMs: 0,
    appStartMs: 0,
    ble:
      link === 'ble'
        ? { ...BLE_FAST, intervalMs: 0.001, packetsPerEvent: 1e9, latencyMs: 0, hostQueue: 1e9 }
        : null,
    serial:
      link === 'serial'
        ? {
            kind: 'serial',
            baud: null,
            wireBytesPerMs: Infinity,
            latencyMs: 0,
            rxLineBuffers: 64,
            lineProcessMs: 0,
            survivesReset: true,
            flowControlled: true,
          }
        : null,
  };
}

export interface WallClockRow {
  readonly kind: 'wall-clock';
  readonly link: ZeroCostLink;
  readonly imageBytes: number;
  /** Real milliseconds of each measured run (after warm-up runs, so JIT compilation is not counted). */
  readonly runsMs: readonly number[];
  /** The median run. */
  readonly wallMs: number;
  /** Virtual time the upload took: nothing costs time, so only 1 ms timer steps. */
  readonly virtualMs: number;
  /** Image bytes per real second / 10^6, for the median run. */
  readonly mbPerSec: number;
  readonly targetMbPerSec: number;
}

/** Unmeasured runs first: the JIT keeps optimising over the first few. */
const WARM_UP = 3;
const RUNS = 7;
const TARGET_MB_PER_SEC = 10;

async function uploadOnce(
  link: ZeroCostLink,
  image: Uint8Array,
): Promise<{ wallMs: number; virtualMs: number }> {
  const { vt, transport, client, info, end } = await openSession(zeroCostConfig(link));
  try {
    const shape = {
      maxFrame: info.maxFrame,
      writeSize: info.writeSize,
      frameOverhead: transport.frameOverhead,
    };
    const t0 = Date.now();
    const w0 = wallMs();
    await vt.settle(uploadPipelined(client, image, { link: shape, windowCap: info.window }));
    const elapsed = wallMs() - w0;
    const virtualMs = Date.now() - t0;
    await vt.settle(client.close());
    return { wallMs: elapsed, virtualMs };
  } finally {
    end();
  }
}

export async function measureWallClock(link: ZeroCostLink): Promise<WallClockRow> {
  const image = await benchImage(WALL_CLOCK_BYTES, zeroCostConfig(link).slotSize);
  for (let i = 0; i < WARM_UP; i++) await uploadOnce(link, image);
  const runs: { wallMs: number; virtualMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await uploadOnce(link, image));
  const median = [...runs].sort((a, b) => a.wallMs - b.wallMs)[RUNS >> 1];
  if (!median) throw new Error('no run');
  return {
    kind: 'wall-clock',
    link,
    imageBytes: image.length,
    runsMs: runs.map((r) => Math.round(r.wallMs * 10) / 10),
    wallMs: median.wallMs,
    virtualMs: median.virtualMs,
    mbPerSec: image.length / median.wallMs / 1000,
    targetMbPerSec: TARGET_MB_PER_SEC,
  };
}
