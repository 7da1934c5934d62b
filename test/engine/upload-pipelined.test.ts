/**
 * The pipelined upload against the simulated device (virtual time): over
 * Bluetooth and serial link models, through link and device faults; the
 * device's slot must hold exactly the image, and what is re-sent after a loss
 * stays within a window per loss.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { negotiateLink } from '../../src/client/link.ts';
import type { SmpClient } from '../../src/client/smp-client.ts';
import { uploadSequential, UploadStalledError } from '../../src/client/upload-sequential.ts';
import { SlotMismatchError } from '../../src/engine/errors.ts';
import { uploadPipelined, type PipelinedUploadOptions } from '../../src/engine/upload-pipelined.ts';
import {
  BLE_FAST,
  deviceProfile,
  UART_115200,
  type DeviceConfig,
  type Fault,
  type SimulatedDevice,
} from '../../src/sim/index.ts';
import { TransportClosedError } from '../../src/transport/types.ts';
import {
  bleClient,
  bootedDevice,
  makeImage,
  serialClient,
  settle,
  useVirtualTime,
} from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

/** The reference BLE profile of the issue: MTU 247, 15 ms, 4 packets per event, 2475 × 4, reassembly on. */
const REFERENCE: DeviceConfig = {
  ...deviceProfile('nrf52840-ble', []),
  slotSize: 0x40000,
  ble: { ...BLE_FAST, mtu: 247, packetsPerEvent: 4 },
};
const SERIAL: DeviceConfig = {
  ...deviceProfile('usb-cdc', []),
  slotSize: 0x40000,
  bufSize: 1024,
  serial: UART_115200,
};

async function setup(config: DeviceConfig) {
  const device = await bootedDevice(config, await makeImage(null, '1.0.0', 2000, 1));
  const client = config.ble ? await bleClient(device) : await serialClient(device);
  const info = await settle(negotiateLink(client, { probeTimeoutMs: 300 }));
  const options: PipelinedUploadOptions = {
    link: {
      maxFrame: info.maxFrame,
      writeSize: info.writeSize,
      frameOverhead: client.transport.frameOverhead,
    },
    windowCap: info.window,
  };
  return { device, client, options };
}

const holds = (device: SimulatedDevice, image: Uint8Array) => {
  const area = device.bootloader!.slots[0]!.secondary;
  return Buffer.from(sha256(device.flash.view(area.offset, image.length))).equals(
    Buffer.from(sha256(image)),
  );
};

async function timed<T>(p: Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = Date.now();
  const value = await settle(p);
  return { value, seconds: (Date.now() - t0) / 1000 };
}

describe('pipelined upload', () => {
  it.each([
    ['BLE reference profile', REFERENCE],
    ['UART 115200, buf 1024', SERIAL],
  ] as const)(
    '%s: the slot holds the image, faster than one chunk at a time',
    async (_name, config) => {
      const image = await makeImage(null, '2.0.0', 120_000, 2);
      const a = await setup(config);
      const piped = await timed(uploadPipelined(a.client, image, a.options));
      expect(holds(a.device, image)).toBe(true);
      expect(piped.value.match).toBe(true);
      expect(piped.value.sentBytes).toBe(image.length);
      a.device.dispose();
      const b = await setup(config);
      const seq = await timed(
        uploadSequential(b.client, image, { maxFrame: b.options.link.maxFrame }),
      );
      b.device.dispose();
      expect(piped.seconds).toBeLessThan(seq.seconds);
    },
  );

  const faults: [string, Fault[]][] = [
    [
      'writes lost',
      [
        { kind: 'drop', direction: 'to-device', nth: 20 },
        { kind: 'drop', direction: 'to-device', nth: 45 },
      ],
    ],
    [
      'answers lost',
      [
        { kind: 'drop', direction: 'to-host', nth: 10 },
        { kind: 'drop', direction: 'to-host', nth: 30 },
      ],
    ],
    ['writes doubled', [{ kind: 'duplicate', direction: 'to-device', nth: 15, count: 3 }]],
    ['a write corrupted', [{ kind: 'corrupt', direction: 'to-device', nth: 25 }]],
    ['busy answers', [{ kind: 'busy', match: { group: 1, command: 1 }, count: 3 }]],
    ['late answers', [{ kind: 'late', match: { group: 1, command: 1 }, delayMs: 8000, count: 1 }]],
    ['a wrong offset', [{ kind: 'wrong-offset', delta: -2000, count: 1 }]],
    ['slow flash', [{ kind: 'slow-flash', factor: 5 }]],
  ];

  it.each(faults)(
    'BLE with %s: completes, the slot holds the image, re-sends stay within a window per loss',
    async (_name, list) => {
      const image = await makeImage(null, '2.0.0', 60_000, 3);
      const { device, client, options } = await setup(REFERENCE);
      for (const f of list) device.faults.add(f);
      let r;
      try {
        r = await settle(uploadPipelined(client, image, options));
      } catch (error) {
        // A write lost, doubled or damaged inside a Bluetooth frame reaches the flash as
        // wrong data (no checksum in SMP over BLE): the device's own check says so at the end.
        expect(error).toBeInstanceOf(SlotMismatchError);
        expect(['drop', 'duplicate', 'corrupt']).toContain(device.faults.log[0]?.kind);
        // Then a whole new upload (the bound below is per upload).
        r = await settle(uploadPipelined(client, image, options));
      }
      expect(holds(device, image)).toBe(true);
      const losses = Math.max(1, device.faults.log.length);
      const oneWindow = options.windowCap * options.link.maxFrame;
      expect(r.sentBytes - image.length).toBeLessThanOrEqual(losses * oneWindow);
      device.dispose();
    },
  );

  it('a dropped link ends the upload with a typed error; a new connection resumes at the device’s offset', async () => {
    const image = await makeImage(null, '2.0.0', 60_000, 4);
    const { device, client, options } = await setup(REFERENCE);
    device.faults.add({ kind: 'disconnect', atByte: 30_000 });
    const error = await settle(uploadPipelined(client, image, options)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    const at = device.uploader!.progress!.off;
    const again = await setup2(device);
    const r = await settle(uploadPipelined(again.client, image, again.options));
    expect(r.resumedAt).toBe(at);
    expect(r.sentBytes).toBeLessThan(image.length - at + 3000);
    expect(holds(device, image)).toBe(true);
    device.dispose();
  });

  it('a device that never answers after the first chunk: stalls with a typed error after the retry budget', async () => {
    const image = await makeImage(null, '2.0.0', 20_000, 5);
    const { device, client, options } = await setup(REFERENCE);
    device.faults.add({ kind: 'silent', match: { group: 1, command: 1 } });
    const error = await settle(
      uploadPipelined(client, image, { ...options, firstTimeoutMs: 2000 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadStalledError);
    expect((error as UploadStalledError).offset).toBe(0);
    device.dispose();
  });
});

async function setup2(
  device: SimulatedDevice,
): Promise<{ client: SmpClient; options: PipelinedUploadOptions }> {
  const client = await bleClient(device);
  const info = await settle(negotiateLink(client, { probeTimeoutMs: 300 }));
  return {
    client,
    options: {
      link: { maxFrame: info.maxFrame, writeSize: info.writeSize, frameOverhead: 0 },
      windowCap: info.window,
    },
  };
}
