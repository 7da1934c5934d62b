/**
 * Fidelity: every request of ../shared/vectors/smp/golden.json replayed into
 * the simulator configured like the Zephyr 4.4.0 build that answered it, and
 * every answer compared with Zephyr's — the console lines byte for byte (so
 * the header, the zcbor indefinite-length CBOR and Zephyr's line lengths), and
 * the decoded fields; the same frames over a Bluetooth link compared with
 * Zephyr's `frame_hex`. Malformed requests are dropped silently and the next
 * valid request is still answered, as Zephyr did.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  decodeFrame,
  SerialDeframer,
  serialLines,
  splitIntoWrites,
} from '../../src/core/smp/index.ts';
import {
  BLE_FAST,
  deviceProfile,
  SimBleLink,
  SimSerialLink,
  SimulatedDevice,
  type DeviceConfig,
} from '../../src/sim/index.ts';
import {
  asGoldenJson,
  fromHex,
  goldenStandInPrimary,
  hasSmpVectors,
  latin1,
  loadGolden,
  type GoldenEntry,
} from '../helpers/smp-golden.ts';
import { settle, useVirtualTime } from '../helpers/sim.ts';

const golden = loadGolden();
const ordinary = golden.entries.filter((e) => e.malformed === undefined);
const byName = new Map(ordinary.map((e) => [e.name, e]));
const pairs = ordinary
  .filter((e) => e.direction === 'request')
  .map((request) => ({ request, response: byName.get(`${request.pair ?? ''}_response`) }));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A host on a raw serial link: writes lines, collects what comes back until a frame is complete. */
function serialHost(device: SimulatedDevice) {
  const link = new SimSerialLink(device);
  device.connected(link);
  let received: number[] = [];
  link.onBytes = (bytes) => received.push(...bytes);
  return {
    link,
    async exchange(
      lines: Uint8Array[],
      waitMs = 5000,
    ): Promise<{ lines: string[]; frames: Uint8Array[] }> {
      received = [];
      // Paced as the capture was (QEMU's UART, like the profile, loses bursts of lines).
      for (const line of lines) {
        await settle(link.hostBytes(line));
        await vi.advanceTimersByTimeAsync(15);
      }
      const deframer = new SerialDeframer();
      const frames: Uint8Array[] = [];
      let seen = 0;
      const deadline = Date.now() + waitMs;
      const guard = setTimeout(() => undefined, waitMs);
      while (frames.length === 0 && Date.now() < deadline) {
        await vi.advanceTimersToNextTimerAsync();
        frames.push(...deframer.push(Uint8Array.from(received.slice(seen))));
        seen = received.length;
      }
      clearTimeout(guard);
      const text = Buffer.from(received).toString('latin1');
      return { lines: text.split(/(?<=\n)/).filter((l) => l.length > 0), frames };
    },
  };
}

function expectSameAnswer(
  response: GoldenEntry,
  got: { lines: string[]; frames: Uint8Array[] },
): void {
  expect(got.frames, `${response.name}: one answer`).toHaveLength(1);
  const frame = got.frames[0] ?? new Uint8Array();
  // Byte for byte: Zephyr's lines (the golden's console-noise log lines are not SMP and are not modelled).
  const smpLines = got.lines.filter(
    (l) => l.startsWith('\u0006\t') || l.startsWith('\u0004\u0014'),
  );
  expect(smpLines, `${response.name}: console lines`).toEqual(response.serial_lines);
  if (response.frame_hex) expect(hex(frame), `${response.name}: frame`).toBe(response.frame_hex);
  // Field by field.
  const decoded = decodeFrame(frame);
  expect(decoded.header).toMatchObject({
    op: response.op,
    group: response.group,
    command: response.command,
    seq: response.seq,
    version: response.version,
  });
  expect(asGoldenJson(decoded.body), `${response.name}: fields`).toEqual(response.fields);
}

const nativeNames = new Set([
  'os_mcumgr_params',
  'os_echo',
  'os_echo_smp_v1',
  'os_echo_long_multiline',
  'error_v1_unsupported_group',
  'os_reset',
]);

describe.skipIf(!hasSmpVectors)('golden.json replayed into the simulator (serial)', () => {
  beforeEach(useVirtualTime);
  afterEach(() => vi.useRealTimers());

  it('native_sim build (OS group only, 384 × 4): every answer identical to Zephyr 4.4.0', async () => {
    const device = new SimulatedDevice(deviceProfile('zephyr-native-sim'));
    device.startApp();
    const host = serialHost(device);
    const replayed = pairs.filter((p) => nativeNames.has(p.request.pair ?? ''));
    expect(replayed).toHaveLength(6);
    for (const { request, response } of replayed) {
      if (!response) throw new Error(`no response for ${request.name}`);
      expectSameAnswer(response, await host.exchange(request.serial_lines.map(latin1)));
    }
    // The reset answer came first; the device reboots MCUMGR_GRP_OS_RESET_MS later.
    await settle(new Promise((r) => setTimeout(r, 400)));
    expect(device.events.map((e) => e.what)).toContain('reset');
    expect(device.state).toBe('running');
    device.dispose();
  });

  it('qemu_cortex_m0 MCUboot build (one image, two slots, 384 × 4): every answer identical, then the reset swaps the image in', async () => {
    const device = new SimulatedDevice(deviceProfile('zephyr-qemu-mcuboot', []));
    device.install(await goldenStandInPrimary(golden), { slot: 'primary' });
    device.startApp();
    const host = serialHost(device);
    const replayed = pairs.filter((p) => !nativeNames.has(p.request.pair ?? ''));
    expect(replayed.length).toBeGreaterThanOrEqual(16);
    const uploads = replayed.filter((p) => (p.request.pair ?? '').startsWith('img_upload_chunk'));
    expect(uploads).toHaveLength(5);
    for (const { request, response } of replayed) {
      if (!response) throw new Error(`no response for ${request.name}`);
      if (request.pair === 'img_state_write_confirm_hash') {
        // Zephyr's capture re-uploaded the image (seq 21…25, not recorded) after the erase: do the same.
        for (const up of uploads)
          expectSameAnswer(up.response!, await host.exchange(up.request.serial_lines.map(latin1)));
      }
      expectSameAnswer(response, await host.exchange(request.serial_lines.map(latin1)));
    }
    // The last request reset the device: MCUboot swaps in the permanent image 1.2.3+4.
    await settle(new Promise((r) => setTimeout(r, 2000)));
    expect(device.bootLog.at(-1)?.images[0]).toMatchObject({ decision: 'perm', action: 'swapped' });
    expect(device.state).toBe('running');
    device.dispose();
  });

  it('malformed requests get no answer and the next valid request is answered, as on native_sim', async () => {
    const malformed = golden.entries.filter(
      (e) => e.malformed === true && e.direction === 'request',
    );
    expect(malformed).toHaveLength(5);
    const device = new SimulatedDevice(deviceProfile('zephyr-native-sim'));
    device.startApp();
    const host = serialHost(device);
    for (const entry of malformed) {
      const behaviour = entry.peer_behaviour as {
        reply_raw: null;
        next_valid_request: string;
        next_valid_request_reply: { frame_hex: string }[];
      };
      const silent = await host.exchange(entry.serial_lines.map(latin1), 1500);
      expect(silent.frames, entry.name).toHaveLength(0);
      expect(silent.lines, entry.name).toEqual([]);
      const next = await host.exchange(serialLines(fromHex(behaviour.next_valid_request)));
      expect(next.frames.map(hex), entry.name).toEqual(
        behaviour.next_valid_request_reply.map((r) => r.frame_hex),
      );
    }
    device.dispose();
  });
});

describe.skipIf(!hasSmpVectors)('golden.json frames over a Bluetooth link', () => {
  beforeEach(useVirtualTime);
  afterEach(() => vi.useRealTimers());

  it('the OS-group frames, written raw, get Zephyr’s frames back as notifications', async () => {
    const config: DeviceConfig = { ...deviceProfile('zephyr-native-sim'), ble: BLE_FAST };
    const device = new SimulatedDevice(config);
    device.startApp();
    const notifications: Uint8Array[] = [];
    const link = new SimBleLink(device, {
      notify: (b) => notifications.push(b),
      lost: () => undefined,
    });
    device.connected(link);
    link.subscribe(true);
    for (const { request, response } of pairs.filter(
      (p) => nativeNames.has(p.request.pair ?? '') && p.request.pair !== 'os_reset',
    )) {
      notifications.length = 0;
      for (const write of splitIntoWrites(fromHex(request.frame_hex ?? ''), 495))
        await settle(link.hostWrite(write));
      await settle(new Promise((r) => setTimeout(r, 200)));
      const joined = Buffer.concat(notifications.map((n) => Buffer.from(n)));
      expect(joined.toString('hex'), request.name).toBe(response?.frame_hex);
    }
    device.dispose();
  });
});
