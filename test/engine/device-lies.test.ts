/**
 * A device that lies, answers late or never, or reboots mid-upload: each ends
 * in an outcome that is typed, a device that still boots a valid image, and a
 * checkpoint that tells the truth. And a multi-image device, updated through
 * the SMP `image` number. Against the simulator, in virtual time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmpClient } from '../../src/client/smp-client.ts';
import { FieldflashError } from '../../src/core/errors.ts';
import { image as img } from '../../src/core/smp/index.ts';
import {
  checkpointKey,
  ImageNotInSlotError,
  parseCheckpoint,
  type UpdateEvent,
} from '../../src/core/update/index.ts';
import { DeviceMisbehavedError, SlotMismatchError } from '../../src/engine/errors.ts';
import { runUpdate, type DeviceConnector, type UpdateOptions } from '../../src/engine/update.ts';
import {
  deviceProfile,
  SimulatedDevice,
  type DeviceConfig,
  type Fault,
} from '../../src/sim/index.ts';
import { memoryCheckpointStore } from '../../src/store/checkpoints-memory.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { subtle } from '../helpers/crypto.ts';
import { testKey } from '../helpers/keys.ts';
import { bootedDevice, makeImage, settle, useVirtualTime } from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

const key = testKey('ed25519');
const NRF: DeviceConfig = { ...deviceProfile('nrf52840-ble', [key.trusted]), slotSize: 0x40000 };
const ID = 'ble:liar';

async function connectorFor(device: SimulatedDevice): Promise<DeviceConnector> {
  const chosen = await requestSmpDevice(device.bluetooth());
  if (!chosen) throw new Error('not offered');
  return { identity: ID, connect: async () => new SmpClient(await connectSmpDevice(chosen)) };
}

async function update(
  connector: DeviceConnector,
  bytes: Uint8Array,
  options: Omit<UpdateOptions, 'onEvent'> & { onEvent?: (e: UpdateEvent) => void } = {},
) {
  const events: UpdateEvent[] = [];
  const outcome = await settle(
    runUpdate(
      connector,
      bytes,
      { keys: [key.trusted], subtle },
      {
        ...options,
        onEvent: (e) => {
          events.push(e);
          options.onEvent?.(e);
        },
      },
    ),
  ).catch((e: unknown) => e);
  return { outcome, events };
}

/** Power-cycles the device with its faults disarmed and lists what it boots. */
async function afterPowerCycle(device: SimulatedDevice, connector: DeviceConnector) {
  device.faults.clear();
  await settle(device.reboot('power cycle'));
  expect(device.state).toBe('running');
  const client = await settle(connector.connect());
  const list = await settle(client.request(img.imageState()));
  await client.close();
  return list.images;
}

async function liar(faults: readonly Fault[]) {
  const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
  for (const f of faults) device.faults.add(f);
  return { device, connector: await connectorFor(device) };
}

describe('a device that lies or fails', () => {
  it('one answer with an offset past the image (damaged on the way) is taken as lost; the update goes on', async () => {
    const v2 = await makeImage(key.private, '2.0.0', 60_000, 2);
    const { device, connector } = await liar([{ kind: 'wrong-offset', off: 1_000_000, count: 1 }]);
    const r = await update(connector, v2);
    expect(r.outcome).toBe('updated');
    expect(device.faults.log.map((f) => f.kind)).toEqual(['wrong-offset']);
    device.dispose();
  });

  it('a device that keeps answering offsets past the image: device-misbehaved; the record keeps the last true offset', async () => {
    const v2 = await makeImage(key.private, '2.0.0', 60_000, 2);
    const { device, connector } = await liar([]);
    const store = memoryCheckpointStore();
    const r = await update(connector, v2, {
      checkpoints: store,
      // Half way, the device starts lying for good.
      onEvent: (e) => {
        if (e.type === 'progress' && e.bytes > e.total / 2 && device.faults.log.length === 0)
          device.faults.add({ kind: 'wrong-offset', off: 1_000_000, count: 1000 });
      },
    });
    expect(r.outcome).toBeInstanceOf(DeviceMisbehavedError);
    expect(r.events.at(-1)).toMatchObject({ type: 'failed', code: 'device-misbehaved' });
    expect((r.outcome as Error).message).toMatch(
      /offset 1000000 past the end of a \d+-byte image, 4 times/,
    );
    const record = parseCheckpoint(store.records.get(checkpointKey(ID, 0)));
    expect(record).not.toBeNull();
    expect(record!.acked).toBeGreaterThan(v2.length / 2);
    expect(record!.acked).toBeLessThanOrEqual(device.uploader!.progress?.off ?? 0);
    const images = await afterPowerCycle(device, connector);
    expect(images.find((s) => s.active)?.version).toBe('1.0.0');
    device.dispose();
  });

  it('the device’s hash check keeps failing (data damaged on both uploads): slot-mismatch, old image still boots', async () => {
    const v2 = await makeImage(key.private, '2.0.0', 60_000, 2);
    // A write changed inside a Bluetooth frame on each of the two uploads (no checksum on BLE).
    const { device, connector } = await liar([
      { kind: 'corrupt', direction: 'to-device', nth: 30 },
    ]);
    const r = await update(connector, v2, {
      onEvent: (e) => {
        if (e.type === 'warning' && e.code === 'slot-mismatch')
          device.faults.add({ kind: 'corrupt', direction: 'to-device', nth: 30 });
      },
    });
    expect(r.outcome).toBeInstanceOf(SlotMismatchError);
    const warnings = r.events.flatMap((e) => (e.type === 'warning' ? [e.code] : []));
    expect(warnings).toEqual(['slot-mismatch']);
    const images = await afterPowerCycle(device, connector);
    expect(images.find((s) => s.active)?.version).toBe('1.0.0');
    device.dispose();
  });

  it('after the upload the slot lists another image: uploaded once more, then image-not-in-slot, nothing marked, record cleared', async () => {
    const v2 = await makeImage(key.private, '2.0.0', 40_000, 2);
    const other = await makeImage(key.private, '2.0.1', 40_000, 9);
    const { device, connector } = await liar([]);
    const store = memoryCheckpointStore();
    const r = await update(connector, v2, {
      checkpoints: store,
      // The device swaps its slot for another image just as the engine looks.
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'check-slot')
          device.install(other, { slot: 'secondary' });
      },
    });
    expect(r.outcome).toBeInstanceOf(ImageNotInSlotError);
    // Uploaded once more before giving up (a torn write would be mended by that).
    expect(
      r.events.filter((e) => e.type === 'warning' && e.code === 'image-not-in-slot'),
    ).toHaveLength(1);
    expect(r.events.filter((e) => e.type === 'phase' && e.phase === 'upload')).toHaveLength(2);
    expect(store.records.size).toBe(0);
    const images = await afterPowerCycle(device, connector);
    expect(images.find((s) => s.active)?.version).toBe('1.0.0');
    expect(images.find((s) => !s.active)?.pending).toBe(false);
    device.dispose();
  });

  it('answers that never come (image list silent after the upload): a typed timeout, a bootable device, a truthful record', async () => {
    const v2 = await makeImage(key.private, '2.0.0', 30_000, 2);
    const { device, connector } = await liar([]);
    const store = memoryCheckpointStore();
    const r = await update(connector, v2, {
      checkpoints: store,
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'check-slot')
          device.faults.add({ kind: 'silent', match: { group: 1, command: 0 } });
      },
    });
    expect(r.outcome).toBeInstanceOf(FieldflashError);
    expect((r.outcome as FieldflashError).code).toBe('timeout');
    const record = parseCheckpoint(store.records.get(checkpointKey(ID, 0)));
    // The whole image was confirmed by the device; nothing after that happened.
    expect(record).toMatchObject({ phase: 'upload', acked: v2.length });
    const images = await afterPowerCycle(device, connector);
    expect(images.find((s) => s.active)?.version).toBe('1.0.0');
    // And the next run finds the image in the slot: no upload, straight to marking.
    const again = await update(connector, v2, { checkpoints: store });
    expect(again.outcome).toBe('updated');
    expect(again.events.some((e) => e.type === 'progress')).toBe(false);
    device.dispose();
  });

  it('a reboot mid-upload (power cut): the upload restarts cleanly from 0 within the same run and ends updated', async () => {
    const v2 = await makeImage(key.private, '2.0.0', 60_000, 2);
    const { device, connector } = await liar([
      { kind: 'power-loss', atByte: 30_000, tear: true, offMs: 800 },
    ]);
    const r = await update(connector, v2, { checkpoints: memoryCheckpointStore() });
    expect(r.outcome).toBe('updated');
    expect(r.events.some((e) => e.type === 'warning' && e.code === 'upload-restarted')).toBe(true);
    device.dispose();
  });
});

describe('multi-image devices', () => {
  it('image 1 (e.g. a network core) is updated through the SMP image number; image 0 is untouched', async () => {
    const device = new SimulatedDevice({ ...NRF, images: 2, slotSize: 0x20000 });
    const app = await makeImage(key.private, '1.0.0', 20_000, 1);
    const net = await makeImage(key.private, '0.5.0', 20_000, 2);
    device.install(app, { image: 0, slot: 'primary' });
    device.install(net, { image: 1, slot: 'primary' });
    await settle(device.powerOn());
    const connector = await connectorFor(device);
    const net2 = await makeImage(key.private, '0.6.0', 30_000, 3);
    const store = memoryCheckpointStore();
    const r = await update(connector, net2, { imageIndex: 1, checkpoints: store });
    expect(r.outcome).toBe('updated');
    const images = await afterPowerCycle(device, connector);
    const active = (n: number) => images.find((s) => (s.image ?? 0) === n && s.active);
    expect(active(1)).toMatchObject({ version: '0.6.0', confirmed: true });
    expect(active(0)).toMatchObject({ version: '1.0.0', confirmed: true });
    // An image number the device does not have is refused before anything is sent.
    const none = await update(connector, net2, { imageIndex: 3 });
    expect(none.outcome).toMatchObject({ code: 'update-not-supported' });
    device.dispose();
  });
});
