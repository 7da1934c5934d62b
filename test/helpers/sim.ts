/**
 * Helpers for tests against the simulated device: run a promise to the end in
 * virtual time, make signed images, and connect the real transports and
 * client to the device through its browser-shaped host sides.
 */
import { vi } from 'vitest';
import { SmpClient, type SmpClientOptions } from '../../src/client/smp-client.ts';
import { SimulatedDevice, type DeviceConfig } from '../../src/sim/index.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { openWebSerial } from '../../src/transport/web-serial.ts';

/** Real wall-clock time, which the fake timers leave alone (hrtime is not faked). */
const performanceNow = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/** Fake timers that also drive Date and performance, for virtual time. */
export function useVirtualTime(): void {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
}

/** Settles `promise` by jumping from timer to timer (virtual time); fails after `limitMs` of it. */
export async function settle<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
  let state: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  promise.then(
    (value) => (state = { ok: true, value }),
    (error: unknown) => (state = { ok: false, error }),
  );
  const start = Date.now();
  let idleSince: number | null = null;
  for (;;) {
    // A real turn first: the promise may be one microtask (or one WebCrypto call) from done,
    // and jumping to the next timer now would run time past it.
    await new Promise((resolve) => setImmediate(resolve));
    if (state !== null) break;
    if (Date.now() - start > limitMs)
      throw new Error(`not settled after ${limitMs} ms of virtual time`);
    if (vi.getTimerCount() === 0) {
      idleSince ??= performanceNow();
      if (performanceNow() - idleSince > 10_000)
        throw new Error('deadlock: nothing pending and not settled');
      continue;
    }
    idleSince = null;
    await vi.advanceTimersToNextTimerAsync();
  }
  const s = state as { ok: true; value: T } | { ok: false; error: unknown };
  if (!s.ok) throw s.error;
  return s.value;
}

/** Lets virtual time run for `ms`. */
export async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

export { makeImage, version } from './images.ts';

/** A powered, booted device with `primary` installed. */
export async function bootedDevice(
  config: DeviceConfig,
  primary?: Uint8Array,
): Promise<SimulatedDevice> {
  const device = new SimulatedDevice(config);
  if (primary) device.install(primary, { slot: 'primary' });
  await settle(device.powerOn());
  return device;
}

/** The real Web Bluetooth transport and client, connected to the device's SMP service. */
export async function bleClient(
  device: SimulatedDevice,
  options: SmpClientOptions = {},
): Promise<SmpClient> {
  const chosen = await requestSmpDevice(device.bluetooth());
  if (!chosen) throw new Error('the simulated device was not offered');
  const transport = await settle(connectSmpDevice(chosen));
  return new SmpClient(transport, options);
}

/** The real Web Serial transport and client, on the device's port. */
export async function serialClient(
  device: SimulatedDevice,
  options: SmpClientOptions & { baudRate?: number } = {},
): Promise<SmpClient> {
  const port = await device.serialPorts().requestPort();
  const transport = await openWebSerial(port, {
    baudRate: options.baudRate ?? device.serial.baud ?? 115200,
  });
  return new SmpClient(transport, options);
}
