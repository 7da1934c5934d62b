/**
 * The whole update against the simulated device (virtual time): preflight,
 * pipelined upload, slot check, mark, reset, reconnect, confirm — and each
 * way it ends otherwise, as a typed error and a `failed` event.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmpClient } from '../../src/client/smp-client.ts';
import { image as img } from '../../src/core/smp/index.ts';
import {
  DowngradeRefusedError,
  ImageRejectedError,
  ImageRevertedError,
  type UpdateEvent,
} from '../../src/core/update/index.ts';
import { runUpdate, type DeviceConnector, type UpdateOptions } from '../../src/engine/update.ts';
import { deviceProfile, type DeviceConfig, type SimulatedDevice } from '../../src/sim/index.ts';
import { connectSmpDevice, requestSmpDevice } from '../../src/transport/web-bluetooth.ts';
import { openWebSerial } from '../../src/transport/web-serial.ts';
import { subtle } from '../helpers/crypto.ts';
import { testKey } from '../helpers/keys.ts';
import { bootedDevice, makeImage, settle, useVirtualTime } from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

const key = testKey('ed25519');
const NRF: DeviceConfig = { ...deviceProfile('nrf52840-ble', [key.trusted]), slotSize: 0x40000 };

async function bleConnector(device: SimulatedDevice): Promise<DeviceConnector> {
  const chosen = await requestSmpDevice(device.bluetooth());
  if (!chosen) throw new Error('not offered');
  return { connect: async () => new SmpClient(await connectSmpDevice(chosen)) };
}

function serialConnector(device: SimulatedDevice): DeviceConnector {
  const serial = device.serialPorts();
  return {
    connect: async () => {
      const [port] = await serial.getPorts();
      if (!port) throw new Error('no port');
      return new SmpClient(await openWebSerial(port, { baudRate: device.serial.baud ?? 115200 }));
    },
  };
}

async function update(
  connector: DeviceConnector,
  bytes: Uint8Array,
  options: Omit<UpdateOptions, 'onEvent'> = {},
) {
  const events: UpdateEvent[] = [];
  const outcome = await settle(
    runUpdate(
      connector,
      bytes,
      { keys: [key.trusted], subtle },
      {
        ...options,
        onEvent: (e) => events.push(e),
      },
    ),
  ).catch((e: unknown) => e);
  return { outcome, events, phases: events.flatMap((e) => (e.type === 'phase' ? [e.phase] : [])) };
}

async function running(connector: DeviceConnector) {
  const client = await settle(connector.connect());
  const list = await settle(client.request(img.imageState()));
  await client.close();
  return list.images.find((s) => s.active);
}

describe('update engine', () => {
  it('BLE: uploads, tests, resets, confirms; the new image runs confirmed', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 20_000, 1));
    const connector = await bleConnector(device);
    const v2 = await makeImage(key.private, '2.0.0', 150_000, 2);
    const r = await update(connector, v2);
    expect(r.outcome).toBe('updated');
    expect(r.phases).toEqual([
      'preflight',
      'upload',
      'check-slot',
      'mark',
      'reset',
      'reconnect',
      'confirm',
    ]);
    const progress = r.events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)).toMatchObject({ bytes: v2.length, total: v2.length });
    expect(r.events.at(-1)).toMatchObject({ type: 'done', outcome: 'updated', version: '2.0.0+0' });
    expect(await running(connector)).toMatchObject({ version: '2.0.0', confirmed: true });
    // Running it again: nothing to do.
    expect((await update(connector, v2)).outcome).toBe('already-running');
    device.dispose();
  });

  it('serial (UART): the same flow, hash-only bootloader', async () => {
    const config = { ...deviceProfile('zephyr-qemu-mcuboot', []), slotSize: 0x20000 };
    const device = await bootedDevice(config, await makeImage(key.private, '1.0.0', 4000, 1));
    const r = await update(
      serialConnector(device),
      await makeImage(key.private, '1.1.0', 30_000, 3),
    );
    expect(r.outcome).toBe('updated');
    device.dispose();
  });

  it('a downgrade is refused before anything is sent; a failed event carries the code', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '3.0.0', 4000, 1));
    const r = await update(
      await bleConnector(device),
      await makeImage(key.private, '2.0.0', 4000, 2),
    );
    expect(r.outcome).toBeInstanceOf(DowngradeRefusedError);
    expect(r.events.at(-1)).toMatchObject({ type: 'failed', code: 'downgrade-refused' });
    expect(r.phases).toEqual(['preflight']);
    expect(device.uploader!.progress).toBeNull();
    device.dispose();
  });

  it('an image the bootloader does not trust: refused at boot, uploaded once more (it might have been damaged), then reported as refused', async () => {
    const other = testKey('ecdsa-p256');
    const device = await bootedDevice(
      { ...NRF, bootloader: { ...NRF.bootloader!, keys: [other.trusted] } },
      await makeImage(other.private, '1.0.0', 4000, 1),
    );
    const r = await update(
      await bleConnector(device),
      await makeImage(key.private, '2.0.0', 8000, 2),
    );
    expect(r.outcome).toBeInstanceOf(ImageRevertedError);
    expect(r.outcome).toMatchObject({ likely: 'refused', running: '1.0.0' });
    expect(String((r.outcome as Error).message)).toMatch(
      /still runs version 1\.0\.0, not 2\.0\.0\+0: its bootloader refused the new image and erased it/,
    );
    expect(r.events.flatMap((e) => (e.type === 'warning' ? [e.code] : []))).toEqual([
      'boot-refused',
    ]);
    expect(r.phases.filter((p) => p === 'upload')).toHaveLength(2);
    device.dispose();
  });

  it('an image that fails its test boot is reported as reverted, not uploaded again', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 4000, 1));
    const v2 = await makeImage(key.private, '2.0.0', 8000, 2);
    // The new firmware resets before it can be confirmed: MCUboot swaps the old one back.
    const watchdog = setInterval(() => {
      if (device.events.at(-1)?.detail.includes('swapped')) {
        clearInterval(watchdog);
        void device.reboot('watchdog in the new firmware');
      }
    }, 5);
    const r = await update(await bleConnector(device), v2);
    clearInterval(watchdog);
    expect(r.outcome).toBeInstanceOf(ImageRevertedError);
    expect(r.outcome).toMatchObject({ likely: 'reverted' });
    expect(r.phases.filter((p) => p === 'upload')).toHaveLength(1);
    device.dispose();
  });

  it('test-only leaves the new image running unconfirmed; a dropped link mid-upload is resumed', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 4000, 1));
    const connector = await bleConnector(device);
    device.faults.add({ kind: 'disconnect', atByte: 60_000 });
    const r = await update(connector, await makeImage(key.private, '2.0.0', 150_000, 2), {
      mode: 'test-only',
    });
    expect(r.outcome).toBe('testing');
    expect(r.phases.filter((p) => p === 'reconnect')).toHaveLength(2); // the drop, then the reset
    expect(await running(connector)).toMatchObject({ version: '2.0.0', confirmed: false });
    device.dispose();
  });

  it('no byte of an image that fails verification reaches a transport: the device is not even contacted', async () => {
    const good = await makeImage(key.private, '2.0.0', 4000, 2);
    const tampered = Uint8Array.from(good);
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    const other = testKey('ecdsa-p256');
    let contacted = 0;
    const connector: DeviceConnector = {
      connect: () => {
        contacted++;
        return Promise.reject(new Error('must not be called'));
      },
    };
    for (const [bytes, keys, reason] of [
      [tampered, [key.trusted], 'bad-hash'],
      [good, [other.trusted], 'wrong-key'],
      [good, [], 'no trusted keys'],
    ] as const) {
      const events: UpdateEvent[] = [];
      const error = await settle(
        runUpdate(connector, bytes, { keys, subtle }, { onEvent: (e) => events.push(e) }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageRejectedError);
      expect((error as ImageRejectedError).reason).toBe(reason);
      expect(events).toEqual([expect.objectContaining({ type: 'failed', code: 'image-rejected' })]);
    }
    expect(contacted).toBe(0);
  });

  it('an observer that throws does not break the update', async () => {
    const device = await bootedDevice(NRF, await makeImage(key.private, '1.0.0', 4000, 1));
    const bytes = await makeImage(key.private, '2.0.0', 10_000, 2);
    const outcome = await settle(
      runUpdate(
        await bleConnector(device),
        bytes,
        { keys: [key.trusted], subtle },
        {
          onEvent: () => {
            throw new Error('observer bug');
          },
        },
      ),
    );
    expect(outcome).toBe('updated');
    device.dispose();
  });
});
