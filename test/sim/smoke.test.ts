import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { negotiateLink } from '../../src/client/link.ts';
import { uploadSequential } from '../../src/client/upload-sequential.ts';
import { image, os } from '../../src/core/smp/index.ts';
import { deviceProfile } from '../../src/sim/index.ts';
import { testKey } from '../helpers/keys.ts';
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

describe('simulated device smoke', () => {
  it('answers echo and params over BLE, uploads, tests, resets and confirms', async () => {
    const key = testKey('ed25519');
    const v1 = await makeImage(key.private, '1.0.0', 8000, 1);
    const v2 = await makeImage(key.private, '2.0.0', 20000, 2);
    const device = await bootedDevice(deviceProfile('nrf52840-ble', [key.trusted]), v1);
    expect(device.state).toBe('running');
    const client = await bleClient(device);
    expect(await settle(client.request(os.echo('hi')))).toBe('hi');
    const link = await settle(negotiateLink(client, { probeTimeoutMs: 300 }));
    expect(link).toMatchObject({ writeSize: 495, maxFrame: 2475, reassembly: true });
    const r = await settle(uploadSequential(client, v2, { maxFrame: link.maxFrame }));
    expect(r.match).toBe(true);
    const list = await settle(client.request(image.imageState()));
    expect(list.images).toHaveLength(2);
    const newHash = list.images[1]!.hash!;
    await settle(client.request(image.imageTest(newHash)));
    await settle(client.request(os.reset()));
    await settle(client.closed);
    await settle(new Promise((r) => setTimeout(r, 2000)));
    expect(device.state).toBe('running');
    expect(device.bootLog.at(-1)?.images[0]?.action).toBe('swapped');
    const again = await bleClient(device);
    const after = await settle(again.request(image.imageState()));
    expect(after.images[0]).toMatchObject({ active: true, confirmed: false });
    await settle(again.request(image.imageConfirm()));
    device.dispose();
  });

  it('talks over a UART at 115200 baud', async () => {
    const device = await bootedDevice(
      deviceProfile('zephyr-qemu-mcuboot', []),
      await makeImage(null, '0.1.0', 2000),
    );
    const client = await serialClient(device);
    expect(await settle(client.request(os.echo('over serial')))).toBe('over serial');
    expect(await settle(client.request(os.mcumgrParams()))).toMatchObject({
      bufSize: 384,
      bufCount: 4,
    });
    device.dispose();
    await client.close();
  });
});
