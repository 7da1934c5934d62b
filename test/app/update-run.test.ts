/**
 * The page's update run records every attempt in the update log (fake
 * IndexedDB; the simulated device over the real Web Bluetooth transport, in
 * virtual time): a success with what was sent, a cancel with its code, and
 * the update taken up again with the resume counted and only the rest sent.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readSummary, type ConnectedDevice } from '../../src/app/device-link.ts';
import { pinnedKeys } from '../../src/app/image-check.ts';
import { readLog } from '../../src/app/update-log.ts';
import { updateDevice } from '../../src/app/update-run.ts';
import { SmpClient } from '../../src/client/smp-client.ts';
import type { LogEntry } from '../../src/core/log/index.ts';
import { deviceProfile, type SimulatedDevice } from '../../src/sim/index.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { bootedDevice, settle, useVirtualTime } from '../helpers/sim.ts';

const SAMPLE = new Uint8Array(
  readFileSync(new URL('../../public/samples/demo-app-1.0.0.bin', import.meta.url)),
);
const FACTORY = new Uint8Array(
  readFileSync(new URL('../../public/samples/demo-app-0.9.0.bin', import.meta.url)),
);

async function connected(sim: SimulatedDevice): Promise<ConnectedDevice> {
  const chosen = await requestSmpDevice(sim.bluetooth());
  if (!chosen) throw new Error('not offered');
  const connector = {
    identity: 'bluetooth:test-device',
    connect: async (signal?: AbortSignal) =>
      new SmpClient(await connectSmpDevice(chosen, signal ? { signal } : {})),
  };
  const client = await settle(connector.connect());
  const summary = await settle(readSummary(client, sim.name, 'Bluetooth'));
  await client.close();
  return { choice: { kind: 'bluetooth' }, connector, summary };
}

const image = { version: '1.0.0+0', imageHash: 'dec04a86' };
const lastEntry = async (): Promise<LogEntry> => {
  const { entries, check } = await readLog();
  expect(check.ok).toBe(true);
  const last = entries.at(-1);
  if (!last) throw new Error('nothing logged');
  return last;
};

describe('update runs in the page are logged', () => {
  let sim: SimulatedDevice;
  beforeEach(async () => {
    useVirtualTime();
    sim = await bootedDevice(deviceProfile('demo', pinnedKeys()), FACTORY);
  });
  afterEach(() => {
    sim.dispose();
    vi.useRealTimers();
  });

  it('a success: device, board, versions, bytes sent, result', async () => {
    const device = await connected(sim);
    const outcome = await settle(
      updateDevice(device, SAMPLE, pinnedKeys(), { image, onEvent: () => undefined }),
    );
    expect(outcome).toBe('updated');
    const entry = await lastEntry();
    expect(entry).toMatchObject({
      device: 'bluetooth:test-device',
      deviceName: 'fieldflash-demo',
      board: 'nrf52840dk/nrf52840',
      fromVersion: '0.9.0',
      toVersion: '1.0.0+0',
      transport: 'bluetooth',
      bytes: SAMPLE.length,
      resumes: 0,
      result: 'updated',
      errorCode: null,
      note: null,
    });
    expect(entry.durationMs).toBeGreaterThan(0);
  });

  it('cancelled mid-upload, then taken up again: two entries, the second sends only the rest', async () => {
    const device = await connected(sim);
    const controller = new AbortController();
    const first = updateDevice(device, SAMPLE, pinnedKeys(), {
      image,
      note: 'feed expired 3 days ago: used anyway (override)',
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.bytes > 10_000) controller.abort();
      },
    });
    await expect(settle(first)).rejects.toMatchObject({ code: 'update-cancelled' });
    const cancelled = await lastEntry();
    expect(cancelled).toMatchObject({
      result: 'cancelled',
      errorCode: 'update-cancelled',
      note: 'feed expired 3 days ago: used anyway (override)',
    });
    expect(cancelled.bytes).toBeGreaterThan(10_000);
    expect(cancelled.bytes).toBeLessThan(SAMPLE.length);

    await settle(updateDevice(device, SAMPLE, pinnedKeys(), { image, onEvent: () => undefined }));
    const resumed = await lastEntry();
    expect(resumed).toMatchObject({ seq: cancelled.seq + 1, result: 'updated', resumes: 1 });
    // From the device's offset on (it may hold a little more than the last answer seen).
    expect(resumed.bytes).toBeGreaterThan(0);
    expect(resumed.bytes).toBeLessThanOrEqual(SAMPLE.length - cancelled.bytes);
  });
});
