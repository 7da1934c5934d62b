/**
 * Resume across runs (a closed tab, an interrupted CLI): the checkpoint says
 * where the update stopped, the device says where it is, and only the
 * device's word is used. Cancelling leaves the device bootable in every
 * phase. Against the simulated nRF52840 over Bluetooth, in virtual time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmpClient } from '../../src/client/smp-client.ts';
import { image as img } from '../../src/core/smp/index.ts';
import {
  checkpointKey,
  parseCheckpoint,
  UpdateCancelledError,
  type CheckpointStore,
  type UpdateCheckpoint,
  type UpdateEvent,
} from '../../src/core/update/index.ts';
import { runUpdate, type DeviceConnector, type UpdateOptions } from '../../src/engine/update.ts';
import { deviceProfile, type DeviceConfig, type SimulatedDevice } from '../../src/sim/index.ts';
import { memoryCheckpointStore } from '../../src/store/checkpoints-memory.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { subtle } from '../helpers/crypto.ts';
import { testKey } from '../helpers/keys.ts';
import { bootedDevice, makeImage, settle, useVirtualTime } from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

const key = testKey('ed25519');
const NRF: DeviceConfig = { ...deviceProfile('nrf52840-ble', [key.trusted]), slotSize: 0x40000 };
const ID = 'ble:test-device';
const KEY0 = checkpointKey(ID, 0);

/** A Bluetooth connector that counts the bytes of image-upload frames it sends (SMP group 1, id 1). */
async function countingConnector(device: SimulatedDevice) {
  const chosen = await requestSmpDevice(device.bluetooth());
  if (!chosen) throw new Error('not offered');
  const counter = { uploadBytes: 0 };
  const connector: DeviceConnector = {
    identity: ID,
    connect: async () => {
      const transport = await connectSmpDevice(chosen);
      const send = transport.send.bind(transport);
      transport.send = (frame, options) => {
        if (frame[5] === 1 && frame[4] === 0 && frame[7] === 1) counter.uploadBytes += frame.length;
        return send(frame, options);
      };
      return new SmpClient(transport);
    },
  };
  return { connector, counter };
}

async function update(
  connector: DeviceConnector,
  bytes: Uint8Array,
  options: Omit<UpdateOptions, 'onEvent'> & { stopWhen?: (e: UpdateEvent) => boolean } = {},
) {
  const events: UpdateEvent[] = [];
  const stop = new AbortController();
  const outcome = await settle(
    runUpdate(
      connector,
      bytes,
      { keys: [key.trusted], subtle },
      {
        ...options,
        signal: stop.signal,
        onEvent: (e) => {
          events.push(e);
          if (options.stopWhen?.(e)) stop.abort();
        },
      },
    ),
  ).catch((e: unknown) => e);
  const said = (type: string) =>
    events.flatMap((e) =>
      e.type === 'phase' && type === 'phase'
        ? [e.detail]
        : e.type === 'warning' && type === 'warning'
          ? [`${e.code}: ${e.message}`]
          : [],
    );
  return { outcome, events, details: said('phase'), warnings: said('warning') };
}

async function activeImage(connector: DeviceConnector) {
  const client = await settle(connector.connect());
  const list = await settle(client.request(img.imageState()));
  await client.close();
  return list.images.find((s) => s.active);
}

const stored = (store: { records: Map<string, unknown> }) =>
  parseCheckpoint(store.records.get(KEY0));

const halfway = (e: UpdateEvent) => e.type === 'progress' && e.bytes > e.total / 2;

describe('checkpoint and resume across runs', () => {
  it('a closed tab mid-upload: the next run says where it stopped and continues from the device’s offset, re-sending at most one window', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const { connector, counter } = await countingConnector(device);
    const v2 = await makeImage(key.private, '2.0.0', 120_000, 2);
    const store = memoryCheckpointStore();

    const first = await update(connector, v2, { checkpoints: store, stopWhen: halfway });
    expect(first.outcome).toBeInstanceOf(UpdateCancelledError);
    expect(first.outcome).toMatchObject({ code: 'update-cancelled', phase: 'upload' });
    expect(first.events.at(-1)).toMatchObject({ type: 'failed', code: 'update-cancelled' });
    const record = stored(store) as UpdateCheckpoint;
    expect(record).toMatchObject({ device: ID, size: v2.length, phase: 'upload', resumes: 0 });
    // The record tells the truth: never more than the device confirmed.
    const deviceOffset = device.uploader!.progress!.off;
    expect(record.acked).toBeGreaterThan(v2.length / 2);
    expect(record.acked).toBeLessThanOrEqual(deviceOffset);
    expect((await activeImage(connector))?.version).toBe('1.0.0');

    counter.uploadBytes = 0;
    const second = await update(connector, v2, { checkpoints: store });
    expect(second.outcome).toBe('updated');
    expect(second.details).toContain(
      `taking up the update interrupted at ${Math.floor((100 * record.acked) / v2.length)} % of the upload`,
    );
    expect(second.details.some((d) => d.startsWith(`resuming at byte ${deviceOffset} `))).toBe(
      true,
    );
    // What went again: the rest of the image, its framing, and at most one window (4 × 2475).
    expect(counter.uploadBytes).toBeLessThan((v2.length - deviceOffset) * 1.1 + 4 * 2475);
    expect(store.records.size).toBe(0);
    expect(await activeImage(connector)).toMatchObject({ version: '2.0.0', confirmed: true });
    device.dispose();
  });

  it('the device rebooted in between: a clean restart from 0, told as a warning, never the remembered offset', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const { connector, counter } = await countingConnector(device);
    const v2 = await makeImage(key.private, '2.0.0', 80_000, 2);
    const store = memoryCheckpointStore();
    await update(connector, v2, { checkpoints: store, stopWhen: halfway });
    const before = stored(store) as UpdateCheckpoint;
    await settle(device.reboot('power cycle'));
    counter.uploadBytes = 0;
    const second = await update(connector, v2, { checkpoints: store });
    expect(second.outcome).toBe('updated');
    expect(second.warnings.some((w) => w.startsWith('upload-restarted:'))).toBe(true);
    expect(second.warnings.join()).toMatch(
      new RegExp(`no longer holds the ${Math.floor((100 * before.acked) / v2.length)} %`),
    );
    expect(counter.uploadBytes).toBeGreaterThan(v2.length);
    device.dispose();
  });

  it('a remembered offset the device does not confirm is never used: a planted record at 99 % still sends the whole image', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const { connector, counter } = await countingConnector(device);
    const v2 = await makeImage(key.private, '2.0.0', 60_000, 2);
    const store = memoryCheckpointStore();
    // A first run writes a genuine record; then it is made to lie.
    await update(connector, v2, { checkpoints: store, stopWhen: (e) => e.type === 'progress' });
    const genuine = stored(store) as UpdateCheckpoint;
    store.records.set(KEY0, { ...genuine, acked: v2.length - 10 });
    await settle(device.reboot('power cycle'));
    counter.uploadBytes = 0;
    const second = await update(connector, v2, { checkpoints: store });
    expect(second.outcome).toBe('updated');
    expect(second.warnings.join()).toMatch(/upload-restarted: The device no longer holds the 99 %/);
    expect(counter.uploadBytes).toBeGreaterThan(v2.length);
    device.dispose();
  });

  it('a record of another image is replaced; an unreadable one is discarded; both say so', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const { connector } = await countingConnector(device);
    const v2 = await makeImage(key.private, '2.0.0', 40_000, 2);
    const v3 = await makeImage(key.private, '3.0.0', 40_000, 3);
    const store = memoryCheckpointStore();
    await update(connector, v2, { checkpoints: store, stopWhen: halfway });
    const other = await update(connector, v3, { checkpoints: store, stopWhen: halfway });
    expect(other.warnings.join()).toMatch(
      /checkpoint-replaced: Note: an unfinished update to 2\.0\.0\+0 is replaced/,
    );
    expect(stored(store)).toMatchObject({ version: '3.0.0+0' });
    store.records.set(KEY0, { schema: 99, anything: true });
    const garbled = await update(connector, v3, { checkpoints: store });
    expect(garbled.outcome).toBe('updated');
    expect(garbled.warnings.join()).toMatch(/checkpoint-discarded/);
    device.dispose();
  });

  it('a store that fails (quota, private mode) is one warning; the update goes on', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const { connector } = await countingConnector(device);
    const failing: CheckpointStore = {
      get: () => Promise.resolve(undefined),
      set: () => Promise.reject(new Error('QuotaExceededError')),
      delete: () => Promise.reject(new Error('QuotaExceededError')),
    };
    const r = await update(connector, await makeImage(key.private, '2.0.0', 40_000, 2), {
      checkpoints: failing,
    });
    expect(r.outcome).toBe('updated');
    expect(r.warnings.filter((w) => w.startsWith('checkpoint-not-saved'))).toHaveLength(1);
    device.dispose();
  });

  it('without an identity nothing is stored', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const { connector } = await countingConnector(device);
    const store = memoryCheckpointStore();
    const anonymous: DeviceConnector = { connect: (s) => connector.connect(s) };
    await update(anonymous, await makeImage(key.private, '2.0.0', 40_000, 2), {
      checkpoints: store,
      stopWhen: halfway,
    });
    expect(store.records.size).toBe(0);
    device.dispose();
  });
});

describe('cancelling leaves the device bootable, in every phase, and the next run finishes', () => {
  const phases = ['preflight', 'upload', 'mark', 'reset', 'confirm'] as const;
  for (const phase of phases) {
    it(`cancelled at "${phase}"`, async () => {
      const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
      const { connector } = await countingConnector(device);
      const v2 = await makeImage(key.private, '2.0.0', 40_000, 2);
      const store = memoryCheckpointStore();
      const first = await update(connector, v2, {
        checkpoints: store,
        stopWhen: (e) =>
          phase === 'upload' ? halfway(e) : e.type === 'phase' && e.phase === phase,
      });
      expect(first.outcome).toBeInstanceOf(UpdateCancelledError);
      const cancelled = first.outcome as UpdateCancelledError;
      // Where it stopped: the phase told (the reset phase ends on the reconnect wait).
      expect(cancelled.phase).toBe(phase);
      expect(cancelled.message).toMatch(/start the update again|unchanged/i);
      // Bootable: power-cycle it, whatever state it was left in, and it runs a valid image.
      await settle(device.reboot('power cycle after cancel'));
      expect(device.state).toBe('running');
      const version = (await activeImage(connector))?.version;
      expect(['1.0.0', '2.0.0']).toContain(version);
      // And the same update, run again, ends well.
      const again = await update(connector, v2, { checkpoints: store });
      expect(again.outcome).toBe('updated');
      expect(await activeImage(connector)).toMatchObject({ version: '2.0.0', confirmed: true });
      expect(store.records.size).toBe(0);
      device.dispose();
    });
  }

  it('interrupted while the device was resetting: the next run only confirms', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const { connector, counter } = await countingConnector(device);
    const v2 = await makeImage(key.private, '2.0.0', 40_000, 2);
    const store = memoryCheckpointStore();
    await update(connector, v2, {
      checkpoints: store,
      stopWhen: (e) => e.type === 'phase' && e.phase === 'reconnect',
    });
    expect(stored(store)).toMatchObject({ phase: 'reset' });
    await settle(new Promise((r) => setTimeout(r, 5000))); // it boots the new image on test
    counter.uploadBytes = 0;
    const again = await update(connector, v2, { checkpoints: store });
    expect(again.outcome).toBe('updated');
    expect(again.details).toContain(
      'taking up the update interrupted while the device was resetting into the new image',
    );
    expect(again.events.flatMap((e) => (e.type === 'phase' ? [e.phase] : []))).toEqual([
      'preflight',
      'preflight',
      'check-slot',
      'confirm',
    ]);
    expect(counter.uploadBytes).toBe(0);
    device.dispose();
  });
});
