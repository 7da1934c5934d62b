/**
 * Runs the profile matrix: each profile's pipelined upload and stop-and-wait
 * baseline, against the link's capacity (and, on a UART, the framing-limited
 * and device-bound ceilings), as one row each.
 */
import { SERIAL_FRAME_OVERHEAD } from '../../src/core/smp/index.ts';
import { bleCapacity, serialCapacity } from '../../src/sim/index.ts';
import { bestFrame, serialCeilings } from './ceilings.ts';
import type { Params, Profile } from './profiles.ts';
import { measureUpload } from './run-case.ts';
import { BASELINE_CHUNK } from './stop-and-wait.ts';

export interface UploadRow {
  readonly kind: 'upload';
  readonly profile: string;
  readonly reference: boolean;
  readonly parameters: Params;
  readonly imageBytes: number;
  /** Pipelined upload (engine/upload-pipelined.ts); null where it cannot run (see `error`). */
  readonly seconds: number | null;
  /** Image bytes per virtual second. */
  readonly throughput: number | null;
  /** The link's best SMP frame bytes per second towards the device (SimulatedDevice.capacity()). */
  readonly capacity: number;
  readonly efficiency: number | null;
  readonly chunkBytes: number | null;
  readonly window: number | null;
  readonly resentBytes: number | null;
  readonly drops: Record<string, number>;
  readonly error?: string;
  /** Stop-and-wait, one 128-byte chunk in flight. */
  readonly baselineSeconds: number | null;
  readonly baselineThroughput: number | null;
  readonly baselineEfficiency: number | null;
  readonly baselineChunkBytes: number | null;
  readonly baselineError?: string;
  /** UART only: image bytes per second with nothing but the console framing lost. */
  readonly framingCeiling?: number;
  readonly framingEfficiency?: number | null;
  /**
   * UART only: the best the device's line buffers and SMP thread allow
   * (ceilings.ts): as Zephyr takes line buffers, and as the simulator does.
   */
  readonly deviceCeiling?: number;
  readonly deviceEfficiency?: number | null;
  readonly simDeviceCeiling?: number;
  readonly simDeviceEfficiency?: number | null;
  /** UART only: the frame's console lines and the SMP thread's busy time per chunk. */
  readonly frameLines?: number;
  readonly busyMsPerChunk?: number;
  /**
   * UART only: the frame size (in console lines) with the highest device-bound
   * ceiling, that ceiling, and the pipelined upload measured with frames capped to it.
   */
  readonly bestFrameLines?: number;
  readonly bestFrameDeviceCeiling?: number;
  readonly bestFrameFramingCeiling?: number;
  readonly bestFrameThroughput?: number | null;
  readonly bestFrameFramingEfficiency?: number | null;
  readonly baselineFramingCeiling?: number;
  readonly baselineFramingEfficiency?: number | null;
  /** Real milliseconds both simulated uploads took. */
  readonly wallMs: number;
}

const ratio = (a: number | null, b: number | undefined) => (a === null || !b ? null : a / b);

export async function measureProfile(profile: Profile, image: Uint8Array): Promise<UploadRow> {
  const { config } = profile;
  // What SimulatedDevice.capacity() reports for this link.
  const capacity = config.ble
    ? bleCapacity(config.ble).toDevice
    : config.serial
      ? serialCapacity(config.serial).toDevice
      : NaN;
  const piped = await measureUpload(config, image, 'pipelined');
  const base = await measureUpload(config, image, 'baseline');
  const rate = (m: typeof piped) => (m.ok ? image.length / m.seconds : null);
  const throughput = rate(piped);
  const baselineThroughput = rate(base);
  let serial: Partial<UploadRow> = {};
  const info = piped.info ?? base.info;
  if (config.serial && info) {
    const link = {
      maxFrame: info.maxFrame,
      writeSize: info.writeSize,
      frameOverhead: SERIAL_FRAME_OVERHEAD,
    };
    const c = serialCeilings(config, image.length, link);
    const b = serialCeilings(config, image.length, link, BASELINE_CHUNK);
    const best = bestFrame(config, image.length, link);
    const short = await measureUpload(config, image, 'pipelined', best.maxFrame);
    const shortRate = short.ok ? image.length / short.seconds : null;
    serial = {
      framingCeiling: c.framing,
      framingEfficiency: ratio(throughput, c.framing),
      deviceCeiling: c.device.zephyr,
      deviceEfficiency: ratio(throughput, c.device.zephyr),
      simDeviceCeiling: c.device.sim,
      simDeviceEfficiency: ratio(throughput, c.device.sim),
      frameLines: c.lines,
      busyMsPerChunk: c.busyMs,
      bestFrameLines: best.lines,
      bestFrameDeviceCeiling: best.ceilings.device.zephyr,
      bestFrameFramingCeiling: best.ceilings.framing,
      bestFrameThroughput: shortRate,
      bestFrameFramingEfficiency: ratio(shortRate, c.framing),
      baselineFramingCeiling: b.framing,
      baselineFramingEfficiency: ratio(baselineThroughput, b.framing),
    };
  }
  return {
    kind: 'upload',
    profile: profile.name,
    reference: profile.reference,
    parameters: profile.params,
    imageBytes: image.length,
    seconds: piped.ok ? piped.seconds : null,
    throughput,
    capacity,
    efficiency: ratio(throughput, capacity),
    chunkBytes: piped.ok ? piped.chunk : null,
    window: piped.ok ? piped.window : null,
    resentBytes: piped.ok ? piped.resentBytes : null,
    drops: piped.ok ? piped.drops : {},
    ...(piped.ok ? {} : { error: piped.error }),
    baselineSeconds: base.ok ? base.seconds : null,
    baselineThroughput,
    baselineEfficiency: ratio(baselineThroughput, capacity),
    baselineChunkBytes: base.ok ? base.chunk : null,
    ...(base.ok ? {} : { baselineError: base.error }),
    ...serial,
    wallMs: (piped.ok ? piped.wallMs : 0) + (base.ok ? base.wallMs : 0),
  };
}
