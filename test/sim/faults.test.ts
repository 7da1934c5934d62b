/**
 * Every fault the simulator offers, injected through the device's FaultPlan
 * and observed from the real client and transports (and in the plan's log).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmpTimeoutError } from '../../src/client/errors.ts';
import { negotiateLink } from '../../src/client/link.ts';
import type { SmpClient } from '../../src/client/smp-client.ts';
import { uploadSequential } from '../../src/client/upload-sequential.ts';
import { encodeFrame, image, os, SmpDeviceError } from '../../src/core/smp/index.ts';
import {
  deviceProfile,
  SimBleLink,
  type DeviceConfig,
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

const ble = (over: Partial<DeviceConfig> = {}): DeviceConfig => ({
  ...deviceProfile('nrf52840-ble', []),
  slotSize: 0x10000,
  ...over,
});
const uart = (): DeviceConfig => ({
  ...deviceProfile('zephyr-qemu-mcuboot', []),
  slotSize: 0x10000,
});

async function setup(kind: 'ble' | 'uart', over: Partial<DeviceConfig> = {}) {
  const v1 = await makeImage(null, '1.0.0', 2000, 1);
  const device = await bootedDevice(kind === 'ble' ? ble(over) : uart(), v1);
  const client = kind === 'ble' ? await bleClient(device) : await serialClient(device);
  return { device, client };
}

const outcome = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    return await settle(p);
  } catch (error) {
    return error;
  }
};

const echo = (client: SmpClient, text = 'ping', timeoutMs = 1000) =>
  client.request(os.echo(text), { timeoutMs });
const kinds = (device: SimulatedDevice) => device.faults.log.map((f) => f.kind);
const secondaryHolds = (device: SimulatedDevice, bytes: Uint8Array) => {
  const area = device.bootloader!.slots[0]!.secondary;
  return Buffer.from(sha256(device.flash.view(area.offset, bytes.length))).equals(
    Buffer.from(sha256(bytes)),
  );
};

describe('link faults', () => {
  it.each(['ble', 'uart'] as const)(
    'drop a request (%s): the request times out, the next one is answered',
    async (kind) => {
      const { device, client } = await setup(kind);
      device.faults.add({ kind: 'drop', direction: 'to-device' });
      expect(await outcome(echo(client))).toBeInstanceOf(SmpTimeoutError);
      expect(await settle(echo(client, 'again'))).toBe('again');
      expect(kinds(device)).toEqual(['drop']);
      device.dispose();
    },
  );

  it.each(['ble', 'uart'] as const)(
    'drop an answer (%s): the request times out though the device did it',
    async (kind) => {
      const { device, client } = await setup(kind);
      device.faults.add({ kind: 'drop', direction: 'to-host' });
      expect(await outcome(echo(client))).toBeInstanceOf(SmpTimeoutError);
      expect(device.faults.log[0]?.detail).toMatch(/to-host/);
      device.dispose();
    },
  );

  it('duplicate a write: the device answers twice, the client takes one and counts the other', async () => {
    const { device, client } = await setup('ble');
    device.faults.add({ kind: 'duplicate', direction: 'to-device' });
    expect(await settle(echo(client))).toBe('ping');
    await settle(new Promise((r) => setTimeout(r, 200)));
    expect(client.stats.late + client.stats.unknown).toBe(1);
    expect(kinds(device)).toEqual(['duplicate']);
    device.dispose();
  });

  it('corrupt a serial line towards the device: the CRC catches it, the device drops the frame', async () => {
    const { device, client } = await setup('uart');
    device.faults.add({ kind: 'corrupt', direction: 'to-device' });
    expect(await outcome(echo(client))).toBeInstanceOf(SmpTimeoutError);
    expect(device.links[0]?.stats.drops).toMatchObject({ 'bad frame (CRC, length or base64)': 1 });
    expect(await settle(echo(client, 'ok'))).toBe('ok');
    device.dispose();
  });

  it('corrupt an answer line: the client’s deframer refuses it, the request times out', async () => {
    const { device, client } = await setup('uart');
    device.faults.add({ kind: 'corrupt', direction: 'to-host' });
    expect(await outcome(echo(client))).toBeInstanceOf(SmpTimeoutError);
    expect(kinds(device)).toEqual(['corrupt']);
    device.dispose();
  });

  it('reorder two writes of one frame: reassembly yields garbage, the request is lost, later ones recover', async () => {
    const { device, client } = await setup('ble');
    await settle(negotiateLink(client, { probeTimeoutMs: 300 }));
    device.faults.add({ kind: 'reorder', direction: 'to-device' });
    // 600 bytes of text: a frame over two 495-byte writes.
    expect(await outcome(echo(client, 'x'.repeat(600)))).toBeInstanceOf(SmpTimeoutError);
    expect(kinds(device)).toEqual(['reorder']);
    // Zephyr's reassembly has no timeout: the stray first write waits for its
    // 608 bytes, swallowing small frames until one overflows it; then all is well.
    let lost = 0;
    while ((await outcome(echo(client, 'after'))) !== 'after' && lost < 20) lost++;
    const answered = lost < 20;
    expect(lost).toBeGreaterThan(0);
    expect(answered).toBe(true);
    device.dispose();
  });
});

describe('link and power faults during an upload', () => {
  it('disconnect at byte N: the transport reports the device lost; a new connection resumes at the device’s offset', async () => {
    const { device, client } = await setup('ble');
    const v2 = await makeImage(null, '2.0.0', 30000, 2);
    const info = await settle(negotiateLink(client, { probeTimeoutMs: 300 }));
    device.faults.add({ kind: 'disconnect', atByte: 15000 });
    const failed = await outcome(uploadSequential(client, v2, { maxFrame: info.maxFrame }));
    expect(failed).toBeInstanceOf(TransportClosedError);
    expect((failed as TransportClosedError).reason.kind).toBe('device-lost');
    const offered = device.uploader!.progress!.off;
    expect(offered).toBeGreaterThan(5000);
    const again = await bleClient(device);
    const info2 = await settle(negotiateLink(again, { probeTimeoutMs: 300 }));
    let first = -1;
    await settle(
      uploadSequential(again, v2, {
        maxFrame: info2.maxFrame,
        onProgress: (p) => (first = first < 0 ? p.sent : first),
      }),
    );
    expect(first).toBe(offered);
    expect(secondaryHolds(device, v2)).toBe(true);
    expect(kinds(device)).toEqual(['disconnect']);
    device.dispose();
  });

  it('disconnect after T ms: the link drops mid-way and the host notices after the supervision timeout', async () => {
    const { device, client } = await setup('ble');
    device.faults.add({ kind: 'disconnect', afterMs: 500 });
    const t0 = Date.now();
    const reason = await settle(client.closed);
    expect(reason.kind).toBe('device-lost');
    expect(Date.now() - t0).toBe(500 + device.ble.supervisionTimeoutMs);
    device.dispose();
  });

  it('power loss at byte N (torn sector): RAM upload state is gone, the old image boots, the upload restarts from 0', async () => {
    const { device, client } = await setup('ble');
    const v2 = await makeImage(null, '2.0.0', 30000, 2);
    const info = await settle(negotiateLink(client, { probeTimeoutMs: 300 }));
    device.faults.add({ kind: 'power-loss', atByte: 12000, tear: true, offMs: 1000 });
    expect(await outcome(uploadSequential(client, v2, { maxFrame: info.maxFrame }))).toBeInstanceOf(
      TransportClosedError,
    );
    expect(device.uploader!.progress).toBeNull();
    await settle(new Promise((r) => setTimeout(r, 3000)));
    expect(device.state).toBe('running');
    const again = await bleClient(device);
    expect((await settle(again.request(image.imageState()))).images[0]).toMatchObject({
      version: '1.0.0',
      active: true,
    });
    const info2 = await settle(negotiateLink(again, { probeTimeoutMs: 300 }));
    let first = -1;
    await settle(
      uploadSequential(again, v2, {
        maxFrame: info2.maxFrame,
        onProgress: (p) => (first = first < 0 ? p.sent : first),
      }),
    );
    expect(first).toBeLessThan(2475); // one first chunk: a fresh start, not a resume
    expect(secondaryHolds(device, v2)).toBe(true);
    expect(device.events.map((e) => e.what)).toEqual(
      expect.arrayContaining(['power-loss', 'power-on', 'booted']),
    );
    device.dispose();
  });

  it('power loss during a flash operation tears the sector being written; the device still boots its old image', async () => {
    const { device, client } = await setup('ble');
    const v2 = await makeImage(null, '2.0.0', 30000, 2);
    device.faults.add({ kind: 'power-loss', duringFlash: true, tear: true, offMs: 500 });
    expect(await outcome(uploadSequential(client, v2, { maxFrame: 400 }))).toBeInstanceOf(
      TransportClosedError,
    );
    expect(device.faults.log.at(-1)?.detail).toMatch(/torn/);
    await settle(new Promise((r) => setTimeout(r, 3000)));
    expect(device.state).toBe('running');
    expect(device.bootLog.at(-1)).toMatchObject({ booted: true });
    device.dispose();
  });

  it('slow flash: the first chunk (which erases) takes the factor longer', async () => {
    const timeFirstChunk = async (factor: number) => {
      const { device, client } = await setup('ble');
      if (factor !== 1) device.faults.add({ kind: 'slow-flash', factor });
      const v2 = await makeImage(null, '2.0.0', 60000, 2);
      // An earlier upload left the slot written: the first chunk must erase.
      device.install(await makeImage(null, '1.5.0', 60000, 5), { slot: 'secondary' });
      const t0 = Date.now();
      await settle(
        client.request(
          image.uploadFirst({ len: v2.length, data: v2.subarray(0, 200), sha: sha256(v2) }),
          { timeoutMs: 60_000 },
        ),
      );
      const ms = Date.now() - t0;
      if (factor !== 1) expect(kinds(device)).toEqual(['slow-flash']);
      device.dispose();
      return ms;
    };
    const normal = await timeFirstChunk(1);
    const slow = await timeFirstChunk(10);
    expect(normal).toBeGreaterThan(1000); // 15 pages × 85 ms
    expect(slow).toBeGreaterThan(normal * 8);
  });
});

describe('SMP-level faults', () => {
  it('busy: matching requests get rc 10 without being run; the upload retries and completes', async () => {
    const { device, client } = await setup('ble');
    device.faults.add({ kind: 'busy', match: { group: 1, command: 1 }, count: 2 });
    const v2 = await makeImage(null, '2.0.0', 4000, 2);
    await settle(uploadSequential(client, v2, { maxFrame: 400 }));
    expect(kinds(device)).toEqual(['busy', 'busy']);
    expect(secondaryHolds(device, v2)).toBe(true);
    const { device: d2, client: c2 } = await setup('ble');
    d2.faults.add({ kind: 'busy' });
    const e = await outcome(echo(c2));
    expect(e).toBeInstanceOf(SmpDeviceError);
    expect((e as SmpDeviceError).busy).toBe(true);
    device.dispose();
    d2.dispose();
  });

  it('late: the answer comes after the client gave up, and is counted as late', async () => {
    const { device, client } = await setup('ble');
    device.faults.add({ kind: 'late', delayMs: 3000, count: 1 });
    expect(await outcome(echo(client, 'slow', 1000))).toBeInstanceOf(SmpTimeoutError);
    await settle(new Promise((r) => setTimeout(r, 4000)));
    expect(client.stats.late).toBe(1);
    expect(await settle(echo(client, 'fine'))).toBe('fine');
    device.dispose();
  });

  it('wrong offset: the client follows the device’s off, re-sends, and the device corrects it', async () => {
    const { device, client } = await setup('ble');
    device.faults.add({ kind: 'wrong-offset', delta: -150, count: 1 });
    const v2 = await makeImage(null, '2.0.0', 4000, 2);
    const offs: number[] = [];
    await settle(
      uploadSequential(client, v2, { maxFrame: 400, onProgress: (p) => offs.push(p.sent) }),
    );
    expect(kinds(device)).toEqual(['wrong-offset']);
    const [, wrong] =
      /answered off (\d+) instead of (\d+)/.exec(device.faults.log[0]?.detail ?? '') ?? [];
    expect(offs).toContain(Number(wrong));
    expect(secondaryHolds(device, v2)).toBe(true);
    device.dispose();
  });

  it('silent: the device does not run or answer matching requests', async () => {
    const { device, client } = await setup('ble');
    device.faults.add({ kind: 'silent', match: { group: 0, command: 0 } });
    expect(await outcome(echo(client))).toBeInstanceOf(SmpTimeoutError);
    expect(await settle(client.request(os.mcumgrParams()))).toMatchObject({ bufSize: 2475 });
    expect(kinds(device)).toEqual(['silent']);
    device.dispose();
  });
});

describe('device buffers and resets', () => {
  it('more frames at once than buf_count: the extra ones are dropped (no free netbuf)', async () => {
    const device = await bootedDevice(
      ble({ bufCount: 2, processMs: 50 }),
      await makeImage(null, '1.0.0', 1000),
    );
    const answers: Uint8Array[] = [];
    const link = new SimBleLink(device, { notify: (b) => answers.push(b), lost: () => undefined });
    device.connected(link);
    link.subscribe(true);
    for (let seq = 0; seq < 5; seq++) {
      await settle(
        link.hostWrite(
          encodeFrame({ op: 2, version: 1, flags: 0, group: 0, seq, command: 0 }, { d: 'x' }),
        ),
      );
    }
    await settle(new Promise((r) => setTimeout(r, 1000)));
    expect(answers).toHaveLength(2);
    expect(link.stats.drops).toMatchObject({ 'no free netbuf': 3 });
    device.dispose();
  });

  it('USB CDC: a reset loses the port ("The device has been lost."); a new port appears when the app is back', async () => {
    const device = await bootedDevice(
      { ...deviceProfile('usb-cdc', []), slotSize: 0x10000 },
      await makeImage(null, '1.0.0', 1000),
    );
    const serial = device.serialPorts();
    const client = await serialClient(device);
    await settle(client.request(os.reset()));
    const reason = await settle(client.closed);
    expect(reason).toMatchObject({ kind: 'device-lost' });
    expect(await serial.getPorts()).toHaveLength(0);
    await settle(new Promise((r) => setTimeout(r, 3000)));
    expect(await serial.getPorts()).toHaveLength(1);
    const again = await serialClient(device);
    expect(await settle(echo(again, 'back'))).toBe('back');
    device.dispose();
  });

  it('UART: the port survives a reset; the boot banner arrives between frames and is skipped', async () => {
    const { device, client } = await setup('uart');
    await settle(client.request(os.reset()));
    await settle(new Promise((r) => setTimeout(r, 2000)));
    expect(device.state).toBe('running');
    expect(await settle(echo(client, 'still here'))).toBe('still here');
    device.dispose();
  });

  it('QEMU’s UART loses bursts of lines: the 5-line frames are lost, the upload falls back to 2-line ones (as on the real fixture)', async () => {
    // Real Zephyr in QEMU, same CLI upload of a 1472-byte image: 10.8 s, two chunks lost.
    const { device, client } = await setup('uart');
    const image = await makeImage(null, '1.2.3', 1400, 4);
    const t0 = Date.now();
    await settle(uploadSequential(client, image, { maxFrame: 380 }));
    expect(client.stats.timeouts).toBe(2);
    expect(device.links[0]?.stats.drops['no free line buffer']).toBeGreaterThan(0);
    expect((Date.now() - t0) / 1000).toBeGreaterThan(10);
    expect(secondaryHolds(device, image)).toBe(true);
    device.dispose();
  });

  it('a baud-rate mismatch garbles every byte: nothing gets through', async () => {
    const device = await bootedDevice(uart(), await makeImage(null, '1.0.0', 1000));
    const client = await serialClient(device, { baudRate: 9600 });
    expect(await outcome(echo(client))).toBeInstanceOf(SmpTimeoutError);
    device.dispose();
  });
});
