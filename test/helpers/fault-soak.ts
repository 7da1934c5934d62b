/**
 * One fault-soak run: a random schedule of link faults, disconnects, power
 * cuts, busy and late answers during a whole update over Bluetooth, then a
 * look at the device once the faults are disarmed. Shared by the CI share
 * (test/engine/soak.test.ts, which asserts on each run) and the upload
 * benchmark (bench/upload-bench.ts, which tallies thousands). Free of vitest:
 * the caller passes in how to run a promise to the end in virtual time.
 */
import { SmpClient } from '../../src/client/smp-client.ts';
import { FieldflashError } from '../../src/core/errors.ts';
import type { SubtleLike } from '../../src/core/image/index.ts';
import type { PrivateKey, TrustedKey } from '../../src/core/keys/index.ts';
import { image as img, type ImageSlotState } from '../../src/core/smp/index.ts';
import { runUpdate } from '../../src/engine/update.ts';
import {
  deviceProfile,
  seededRandom,
  SimulatedDevice,
  type DeviceEvent,
  type DeviceState,
  type Fault,
} from '../../src/sim/index.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { makeImage } from './images.ts';

/** Runs a promise to the end by jumping virtual time from timer to timer. */
export type Settle = <T>(promise: Promise<T>) => Promise<T>;

/** 1 to 3 faults drawn from `seed`, at bytes and counts within an image of `size` bytes. */
export function faultSchedule(seed: number, size: number): Fault[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const faults: Fault[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const atByte = Math.floor(r() * size);
    const nth = 1 + Math.floor(r() * 60);
    faults.push(
      pick<Fault>([
        { kind: 'drop', direction: pick(['to-device', 'to-host'] as const), nth },
        { kind: 'duplicate', direction: 'to-device', nth },
        { kind: 'corrupt', direction: pick(['to-device', 'to-host'] as const), nth },
        { kind: 'disconnect', atByte },
        { kind: 'power-loss', atByte, tear: r() < 0.5, offMs: 500 + Math.floor(r() * 3000) },
        { kind: 'busy', match: { group: 1, command: 1 }, count: 1 + Math.floor(r() * 3) },
        {
          kind: 'late',
          match: { group: 1, command: 1 },
          delayMs: 1000 + Math.floor(r() * 8000),
          count: 1,
        },
      ]),
    );
  }
  return faults;
}

export interface SoakSetup {
  /** Runs on the device before the update. */
  readonly v1: Uint8Array;
  /** The update; verified against `key` by the engine. */
  readonly v2: Uint8Array;
  readonly key: TrustedKey;
  readonly subtle: SubtleLike;
  readonly settle: Settle;
}

/** The images every soak uses: 1.0.0 (8000 bytes) running, 2.0.0 (40 000 bytes) to install. */
export async function soakImages(key: PrivateKey): Promise<{ v1: Uint8Array; v2: Uint8Array }> {
  return {
    v1: await makeImage(key, '1.0.0', 8000, 1),
    v2: await makeImage(key, '2.0.0', 40_000, 2),
  };
}

export interface SoakRun {
  readonly seed: number;
  readonly faults: readonly Fault[];
  /** What runUpdate resolved with, or what it threw. */
  readonly outcome: unknown;
  /** The outcome, a typed error's code, or 'untyped'. */
  readonly label: string;
  /** The device's state once faults were disarmed and it had 5 s to come back. */
  readonly stateAfter: DeviceState;
  /** The active slot then, when the device answered an image list. */
  readonly active: ImageSlotState | undefined;
  /** Why the device could not be asked afterwards (set only when it could not). */
  readonly afterError?: Error;
  /** The device's last few events, for a failure message. */
  readonly lastEvents: readonly DeviceEvent[];
}

/** One schedule (seeded by `seed`) against a fresh device, start to end. */
export async function soakRun(seed: number, setup: SoakSetup): Promise<SoakRun> {
  const { v1, v2, key, subtle, settle } = setup;
  const device = new SimulatedDevice({
    ...deviceProfile('nrf52840-ble', [key]),
    slotSize: 0x20000,
    seed,
  });
  device.install(v1, { slot: 'primary' });
  await settle(device.powerOn());
  try {
    const chosen = await requestSmpDevice(device.bluetooth());
    if (!chosen) throw new Error('the simulated device was not offered');
    const connector = { connect: async () => new SmpClient(await connectSmpDevice(chosen)) };
    const faults = faultSchedule(seed, v2.length);
    for (const f of faults) device.faults.add(f);
    const outcome = await settle(
      runUpdate(connector, v2, { keys: [key], subtle }, { reconnects: 8, swapTimeoutMs: 60_000 }),
    ).catch((e: unknown) => e);
    const label =
      typeof outcome === 'string'
        ? outcome
        : outcome instanceof FieldflashError
          ? outcome.code
          : 'untyped';
    // Whatever happened, the device must come back on a valid image (faults not yet used are disarmed).
    device.faults.clear();
    if (device.state === 'off') await settle(device.powerOn());
    await settle(new Promise((r) => setTimeout(r, 5000)));
    const run = { seed, faults, outcome, label, stateAfter: device.state };
    if (device.state !== 'running')
      return { ...run, active: undefined, lastEvents: device.events.slice(-4) };
    try {
      const client = await settle(connector.connect());
      const list = await settle(client.request(img.imageState(), { timeoutMs: 30_000 }));
      await client.close();
      return {
        ...run,
        active: list.images.find((s) => s.active),
        lastEvents: device.events.slice(-4),
      };
    } catch (e) {
      const afterError = e instanceof Error ? e : new Error(String(e));
      return { ...run, active: undefined, afterError, lastEvents: device.events.slice(-4) };
    }
  } finally {
    device.dispose();
  }
}

/** Whether a run left the device as it must be: running a valid image, the new one confirmed if it said so. */
export function leftBootable(run: SoakRun): boolean {
  const version = run.active?.version;
  if (run.stateAfter !== 'running' || run.afterError !== undefined) return false;
  if (version !== '1.0.0' && version !== '2.0.0') return false;
  return run.outcome !== 'updated' || (version === '2.0.0' && run.active?.confirmed === true);
}
