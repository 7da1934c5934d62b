/**
 * Zephyr's image-upload semantics in the simulator (research/protocols.md
 * §2.5), driven with the real client's request builders over a simulated
 * Bluetooth link: first-chunk rules, the device's `off` as the truth, resume
 * by `sha`, restart with another image, RAM-only state, `match`, `upgrade`,
 * too large, erase rules, and test → reset → confirm / revert / overwrite.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SmpClient } from '../../src/client/smp-client.ts';
import { image, os, SmpDeviceError } from '../../src/core/smp/index.ts';
import { deviceProfile, type DeviceConfig, type SimulatedDevice } from '../../src/sim/index.ts';
import { bleClient, bootedDevice, makeImage, settle, useVirtualTime } from '../helpers/sim.ts';

beforeEach(useVirtualTime);
afterEach(() => vi.useRealTimers());

const config = (over: Partial<DeviceConfig> = {}): DeviceConfig => ({
  ...deviceProfile('nrf52840-ble', []),
  slotSize: 0x10000,
  ...over,
});

async function setup(
  over: Partial<DeviceConfig> = {},
): Promise<{ device: SimulatedDevice; client: SmpClient; v1: Uint8Array }> {
  const v1 = await makeImage(null, '1.0.0', 3000, 1);
  const device = await bootedDevice(config(over), v1);
  const client = await bleClient(device);
  return { device, client, v1 };
}

const rcOf = async (p: Promise<unknown>): Promise<number> => {
  try {
    await settle(p);
    return 0;
  } catch (error) {
    if (error instanceof SmpDeviceError) return error.rc;
    throw error;
  }
};

function first(bytes: Uint8Array, n: number, extra: { sha?: Uint8Array; upgrade?: boolean } = {}) {
  return image.uploadFirst({ len: bytes.length, data: bytes.subarray(0, n), ...extra });
}

async function send(
  client: SmpClient,
  bytes: Uint8Array,
  from: number,
  to: number,
  step = 1000,
): Promise<number> {
  let off = from;
  while (off < to) {
    const n = Math.min(step, to - off);
    const answer = await settle(
      client.request(
        off === 0
          ? first(bytes, n, { sha: sha256(bytes) })
          : image.uploadNext(off, bytes.subarray(off, off + n)),
      ),
    );
    off = answer.off;
  }
  return off;
}

describe('upload semantics (img_mgmt.c)', () => {
  it('the first chunk needs len and at least a whole image header; a wrong magic is refused', async () => {
    const { device, client } = await setup();
    const v2 = await makeImage(null, '2.0.0', 3000, 2);
    expect(await rcOf(client.request(first(v2, 31)))).toBe(22); // IMG_MGMT_ERR_INVALID_IMAGE_HEADER
    const noLen = image.uploadFirst({ len: v2.length, data: v2.subarray(0, 100) });
    delete (noLen.body as Record<string, unknown>)['len'];
    expect(await rcOf(client.request(noLen))).toBe(21); // INVALID_LENGTH
    const bad = Uint8Array.from(v2);
    bad[0] = 0;
    expect(await rcOf(client.request(first(bad, 100)))).toBe(23); // INVALID_IMAGE_HEADER_MAGIC
    device.dispose();
  });

  it('a chunk at the wrong offset gets rc 0 and the device’s own off; the last chunk answers match', async () => {
    const { device, client } = await setup();
    const v2 = await makeImage(null, '2.0.0', 3000, 2);
    expect((await settle(client.request(first(v2, 500, { sha: sha256(v2) })))).off).toBe(500);
    expect(
      await settle(client.request(image.uploadNext(900, v2.subarray(900, 1000)))),
    ).toMatchObject({ off: 500 });
    const end = await send(client, v2, 500, v2.length);
    expect(end).toBe(v2.length);
    const area = device.bootloader!.slots[0]!.secondary;
    expect(Buffer.from(device.flash.view(area.offset, v2.length)).equals(Buffer.from(v2))).toBe(
      true,
    );
    device.dispose();
  });

  it('off = 0 with the same sha continues; another image restarts with an erase; a reboot forgets', async () => {
    const { device, client } = await setup();
    const v2 = await makeImage(null, '2.0.0', 6000, 2);
    const v3 = await makeImage(null, '3.0.0', 6000, 3);
    await send(client, v2, 0, 3000);
    // Resume: the data of this first chunk is ignored, the answer is where the device is.
    expect((await settle(client.request(first(v2, 200, { sha: sha256(v2) })))).off).toBe(3000);
    // Another image: starts over.
    expect((await settle(client.request(first(v3, 200, { sha: sha256(v3) })))).off).toBe(200);
    await send(client, v3, 200, 4000);
    await settle(client.request(os.reset()));
    await settle(client.closed);
    await settle(new Promise((r) => setTimeout(r, 3000)));
    const again = await bleClient(device);
    expect((await settle(again.request(first(v3, 200, { sha: sha256(v3) })))).off).toBe(200);
    device.dispose();
  });

  it('upgrade: true refuses an image that is not newer; an image larger than the slot is refused', async () => {
    const { device, client } = await setup();
    const same = await makeImage(null, '1.0.0', 2000, 9);
    expect(await rcOf(client.request(first(same, 100, { upgrade: true })))).toBe(27); // CURRENT_VERSION_IS_NEWER
    const newer = await makeImage(null, '1.0.1', 2000, 9);
    expect(await rcOf(client.request(first(newer, 100, { upgrade: true })))).toBe(0);
    const huge = image.uploadFirst({ len: 0x10001, data: newer.subarray(0, 100) });
    expect(await rcOf(client.request(huge))).toBe(30); // INVALID_IMAGE_TOO_LARGE
    device.dispose();
  });

  it('erase clears the secondary; erasing the running slot is refused', async () => {
    const { device, client } = await setup();
    const v2 = await makeImage(null, '2.0.0', 2000, 2);
    await send(client, v2, 0, v2.length);
    expect((await settle(client.request(image.imageState()))).images).toHaveLength(2);
    await settle(client.request(image.imageErase()));
    expect((await settle(client.request(image.imageState()))).images).toHaveLength(1);
    // The running image's slot is in use: erasing it is refused.
    expect(await rcOf(client.request(image.imageErase(0)))).not.toBe(0);
    device.dispose();
  });
});

describe('test → reset → confirm, revert and overwrite-only', () => {
  async function uploadAndTest(
    device: SimulatedDevice,
    client: SmpClient,
    bytes: Uint8Array,
  ): Promise<Uint8Array> {
    await send(client, bytes, 0, bytes.length);
    const list = await settle(client.request(image.imageState()));
    const hash = list.images.find((s) => s.slot === 1)!.hash!;
    const after = await settle(client.request(image.imageTest(hash)));
    expect(after.images.find((s) => s.slot === 1)).toMatchObject({
      pending: true,
      permanent: false,
    });
    await settle(client.request(os.reset()));
    await settle(client.closed);
    await settle(new Promise((r) => setTimeout(r, 3000)));
    expect(device.state).toBe('running');
    return hash;
  }

  it('swap: the tested image runs unconfirmed, a second reset reverts it, a confirmed one stays', async () => {
    const { device, client } = await setup();
    const v2 = await makeImage(null, '2.0.0', 2000, 2);
    const hash = await uploadAndTest(device, client, v2);
    let c = await bleClient(device);
    let list = await settle(c.request(image.imageState()));
    expect(list.images[0]).toMatchObject({ version: '2.0.0', active: true, confirmed: false });
    expect(Buffer.from(list.images[0]!.hash!).equals(Buffer.from(hash))).toBe(true);
    // Not confirmed: the next reset reverts to 1.0.0.
    await settle(c.request(os.reset()));
    await settle(c.closed);
    await settle(new Promise((r) => setTimeout(r, 3000)));
    expect(device.bootLog.at(-1)?.images[0]).toMatchObject({
      decision: 'revert',
      action: 'reverted',
    });
    c = await bleClient(device);
    list = await settle(c.request(image.imageState()));
    expect(list.images[0]).toMatchObject({ version: '1.0.0', active: true, confirmed: true });
    // Again, and this time confirm: it survives a reset.
    const c2 = c;
    await settle(c2.request(image.imageTest(list.images[1]!.hash!)));
    await settle(c2.request(os.reset()));
    await settle(c2.closed);
    await settle(new Promise((r) => setTimeout(r, 3000)));
    const c3 = await bleClient(device);
    await settle(c3.request(image.imageConfirm()));
    await settle(c3.request(os.reset()));
    await settle(c3.closed);
    await settle(new Promise((r) => setTimeout(r, 3000)));
    expect(device.bootLog.at(-1)?.images[0]).toMatchObject({ decision: 'none' });
    const c4 = await bleClient(device);
    expect((await settle(c4.request(image.imageState()))).images[0]).toMatchObject({
      version: '2.0.0',
      confirmed: true,
    });
    device.dispose();
  });

  it('overwrite-only: the image is copied, there is nothing to revert to', async () => {
    const base = config();
    const { device, client } = await setup({
      bootloader: { ...base.bootloader!, mode: 'overwrite-only' },
    });
    const v2 = await makeImage(null, '2.0.0', 2000, 2);
    await uploadAndTest(device, client, v2);
    expect(device.bootLog.at(-1)?.images[0]).toMatchObject({ action: 'copied' });
    const c = await bleClient(device);
    expect((await settle(c.request(image.imageState()))).images).toMatchObject([
      { version: '2.0.0', active: true },
    ]);
    expect(await settle(c.request(os.bootloaderMode()))).toMatchObject({ mode: 2 });
    device.dispose();
  });

  it('MCUboot refuses an image not signed by its key: the device stays on the old one', async () => {
    const { testKey } = await import('../helpers/keys.ts');
    const key = testKey('ed25519');
    const other = testKey('ecdsa-p256');
    const v1 = await makeImage(key.private, '1.0.0', 2000, 1);
    const device = await bootedDevice(
      config({ bootloader: { ...config().bootloader!, keys: [key.trusted] } }),
      v1,
    );
    const client = await bleClient(device);
    await uploadAndTest(device, client, await makeImage(other.private, '2.0.0', 2000, 2));
    expect(device.bootLog.at(-1)?.images[0]).toMatchObject({ action: 'rejected' });
    expect(device.bootLog.at(-1)?.images[0]?.reason).toMatch(/^(unknown-key|wrong-key)/);
    const c = await bleClient(device);
    expect((await settle(c.request(image.imageState()))).images).toMatchObject([
      { version: '1.0.0', active: true },
    ]);
    device.dispose();
  });
});
