/**
 * Fragmentation and reassembly across device buffer sizes 96 … 2475: the real
 * client negotiates the link with the simulated device (params, write-size
 * probing, reassembly probe) and uploads an image over a UART, over BLE with
 * reassembly and over BLE without it. Every size either completes with the
 * slot holding exactly the image and no frame refused, or — where the buffer
 * cannot carry Zephyr's 32-byte first chunk — fails up front with a typed error.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { negotiateLink } from '../../src/client/link.ts';
import { FrameTooSmallError, uploadSequential } from '../../src/client/upload-sequential.ts';
import { BLE_FAST, deviceProfile, UART_115200, type DeviceConfig } from '../../src/sim/index.ts';
import {
  bleClient,
  bootedDevice,
  makeImage,
  serialClient,
  settle,
  useVirtualTime,
} from '../helpers/sim.ts';

const SIZES = [96, 128, 192, 256, 384, 512, 1024, 2048, 2475];
const LINKS = ['uart', 'ble-reassembly', 'ble-no-reassembly'] as const;

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

describe('buffer-size matrix', () => {
  const cases = SIZES.flatMap((size) => LINKS.map((link) => [size, link] as const));
  it.each(cases)('buf_size %i over %s', async (bufSize, link) => {
    const base = deviceProfile('nrf52840-ble', []);
    const config: DeviceConfig = {
      ...base,
      slotSize: 0x10000,
      bufSize,
      ble:
        link === 'uart' ? null : { ...BLE_FAST, mtu: 247, reassembly: link === 'ble-reassembly' },
      serial: link === 'uart' ? { ...UART_115200, baud: 1_000_000 } : null,
    };
    const image = await makeImage(null, '1.0.0', 3000, bufSize);
    const device = await bootedDevice(config, await makeImage(null, '0.9.0', 500));
    const client = link === 'uart' ? await serialClient(device) : await bleClient(device);
    const info = await settle(negotiateLink(client, { probeTimeoutMs: 300 }));
    expect(info.params).toEqual({ bufSize, bufCount: 4 });
    // The largest probe size (…, 244, 182, 100, 64) that the MTU-247 link and the buffer allow.
    const writeSize = [244, 182, 100, 64].find((w) => w <= bufSize) ?? 20;
    if (link === 'uart') expect(info).toMatchObject({ maxFrame: bufSize - 4, reassembly: null });
    else if (link === 'ble-reassembly') {
      expect(info).toMatchObject({ writeSize, maxFrame: bufSize, reassembly: bufSize > writeSize });
    } else {
      expect(info).toMatchObject({ writeSize, maxFrame: writeSize });
      if (bufSize > writeSize) expect(info.reassembly).toBe(false);
    }
    const probeTimeouts = client.stats.timeouts;
    const upload = settle(
      uploadSequential(client, image, { maxFrame: info.maxFrame, chunkTimeoutMs: 2000 }),
    );
    if (info.maxFrame < 100) {
      // Smallest first chunk without sha: 8 header + ~28 CBOR + 32 data fits; below that a typed refusal.
      const outcome = await upload.then(
        () => 'done',
        (e: unknown) => e,
      );
      if (outcome !== 'done') {
        expect(outcome).toBeInstanceOf(FrameTooSmallError);
        device.dispose();
        return;
      }
    } else {
      await upload;
    }
    const area = device.bootloader!.slots[0]!.secondary;
    expect(Buffer.from(sha256(device.flash.view(area.offset, image.length))).toString('hex')).toBe(
      Buffer.from(sha256(image)).toString('hex'),
    );
    // Nothing lost on the way but the write-size probes the MTU refused.
    expect(client.stats.timeouts - probeTimeouts).toBe(0);
    for (const l of device.links) {
      const { ['write over ATT MTU']: _probes, ...others } = l.stats.drops;
      expect(others).toEqual({});
    }
    device.dispose();
  });
});
