/**
 * Differential check, optional: the same SMP requests sent to real Zephyr 4.4.0
 * (the qemu_cortex_m0 MCUboot fixture of ../shared/tools/smp-peer, run in
 * QEMU) and to the simulator configured like it; every answer must be the
 * same bytes (or both silent). Needs SMP_PEER_SRC (the folder
 * shared/tools/smp-peer/setup.sh extracted, with the prebuilt fixtures),
 * qemu-system-arm and socat; without them it says so and is skipped. Runs in
 * real time (~1 min): `SMP_PEER_SRC=… npx vitest run test/peer`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeFrame,
  encodeHeader,
  SerialDeframer,
  serialLines,
  type CborMap,
} from '../../src/core/smp/index.ts';
import { deviceProfile, SimSerialLink, SimulatedDevice } from '../../src/sim/index.ts';
import { SHARED_DIR } from '../helpers/shared.ts';
import { fromHex, goldenStandInPrimary, hasSmpVectors, loadGolden } from '../helpers/smp-golden.ts';

const SRC = process.env['SMP_PEER_SRC'];
const FIXTURE =
  SRC && join(SRC, 'fixtures', 'zephyr_4.4.0_smp_server_0eae053d_qemu_cortex_m0_serial.merged.hex');
const haveQemu = spawnSync('qemu-system-arm', ['--version']).status === 0;
const available = Boolean(FIXTURE && existsSync(FIXTURE) && haveQemu && hasSmpVectors);
if (!available) {
  console.warn(
    '\n*** SKIPPED: sim-vs-Zephyr differential check (set SMP_PEER_SRC to smp-peer sources with fixtures; needs qemu-system-arm, socat). ***\n',
  );
}

/** One peer: send a frame line by line (paced: QEMU's UART drops bursts), get the first answer. */
interface Peer {
  exchange(frame: Uint8Array, waitMs?: number): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collector() {
  const deframer = new SerialDeframer();
  let frames: Uint8Array[] = [];
  return {
    push: (bytes: Uint8Array) => frames.push(...deframer.push(bytes)),
    async take(waitMs: number): Promise<Uint8Array | null> {
      const end = Date.now() + waitMs;
      while (frames.length === 0 && Date.now() < end) await sleep(10);
      const first = frames[0] ?? null;
      frames = [];
      return first;
    },
    clear: () => (frames = []),
  };
}

async function zephyr(kind: 'img' | 'os'): Promise<Peer & { pids: number[] }> {
  const script = join(SHARED_DIR, 'tools', 'smp-peer', 'run_fixture.sh');
  const link = `/tmp/ff-diff-${kind}-${process.pid}.pty`;
  const out = spawnSync('bash', [script, kind, link], { env: process.env, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`run_fixture.sh failed: ${out.stderr}`);
  const info = JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '{}') as {
    port: string;
    pids: number[];
  };
  await sleep(1500); // MCUboot + app boot
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path: info.port, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const c = collector();
  port.on('data', (chunk: Buffer) => c.push(new Uint8Array(chunk)));
  return {
    pids: info.pids,
    async exchange(frame, waitMs = 3000) {
      c.clear();
      for (const line of serialLines(frame)) {
        port.write(Buffer.from(line));
        await sleep(15);
      }
      return c.take(waitMs);
    },
    async close() {
      await new Promise<void>((r) => port.close(() => r()));
      for (const pid of info.pids) spawnSync('kill', [String(pid)]);
    },
  };
}

async function simulator(profile: 'zephyr-qemu-mcuboot' | 'zephyr-native-sim'): Promise<Peer> {
  const primary = await goldenStandInPrimary(loadGolden());
  const device = new SimulatedDevice(deviceProfile(profile, []));
  if (device.bootloader) device.install(primary, { slot: 'primary' });
  device.startApp();
  const link = new SimSerialLink(device);
  device.connected(link);
  const c = collector();
  link.onBytes = (b) => c.push(b);
  return {
    async exchange(frame, waitMs = 3000) {
      c.clear();
      for (const line of serialLines(frame)) {
        await link.hostBytes(line);
        await sleep(15);
      }
      return c.take(waitMs);
    },
    close: () => {
      device.dispose();
      return Promise.resolve();
    },
  };
}

let seq = 0;
const req = (group: number, command: number, op: 0 | 2, body: CborMap, version: 0 | 1 = 1) =>
  encodeFrame({ op, version, flags: 0, group, seq: seq++ & 0xff, command }, body);
const raw = (
  header: { op: number; version: number; group: number; command: number },
  body: Uint8Array,
) => {
  const h = encodeHeader({ ...header, flags: 0, length: body.length, seq: seq++ & 0xff });
  return Uint8Array.from([...h, ...body]);
};

const UPLOAD_FILE = join(SHARED_DIR, 'vectors', 'smp', 'upload-image.bin');
// Read only where the check runs (a clone without ../shared skips it).
const upload =
  available && existsSync(UPLOAD_FILE)
    ? new Uint8Array(readFileSync(UPLOAD_FILE))
    : new Uint8Array(64);
const sha = fromHex(loadGolden().upload_image.sha256);
const imageHash = fromHex(loadGolden().upload_image.image_hash_tlv);
const older = Uint8Array.from(upload);
older.set([0, 0, 0, 0, 0, 0, 0, 0], 20); // header version 0.0.0+0

const ALL_CASES: [string, () => Uint8Array, number?][] = [
  ['params', () => req(0, 6, 0, {})],
  ['echo v2', () => req(0, 0, 2, { d: 'hi' })],
  ['echo v1', () => req(0, 0, 2, { d: 'hi' }, 0)],
  ['echo read op', () => req(0, 0, 0, { d: 'hi' })],
  ['echo without d', () => req(0, 0, 2, {})],
  ['echo with a number', () => req(0, 0, 2, { d: 5 })],
  [
    'echo, body not a map',
    () => raw({ op: 2, version: 1, group: 0, command: 0 }, Uint8Array.of(0x83, 1, 2, 3)),
  ],
  [
    'echo, truncated CBOR',
    () =>
      raw({ op: 2, version: 1, group: 0, command: 0 }, Uint8Array.of(0xa1, 0x61, 0x64, 0x65, 0x68)),
  ],
  ...['', 'a', 's', 'n', 'r', 'v', 'b', 'm', 'p', 'i', 'o', 'x', 'sv', 'vs', 'aa'].map(
    (format) =>
      [`info "${format}"`, () => req(0, 7, 0, format ? { format } : {})] as [
        string,
        () => Uint8Array,
      ],
  ),
  ['bootloader info', () => req(0, 8, 0, {})],
  ['bootloader mode', () => req(0, 8, 0, { query: 'mode' })],
  ['bootloader other query', () => req(0, 8, 0, { query: 'nope' })],
  ['task stats (absent)', () => req(0, 2, 0, {})],
  ['datetime get', () => req(0, 4, 0, {})],
  ['os command 9', () => req(0, 9, 0, {})],
  ['group 63', () => req(63, 0, 0, {})],
  [
    'op 1 (a response op)',
    () => raw({ op: 1, version: 1, group: 0, command: 0 }, Uint8Array.of(0xa0)),
  ],
  ['op 3', () => raw({ op: 3, version: 1, group: 0, command: 0 }, Uint8Array.of(0xa0))],
  [
    'version 2 header',
    () =>
      raw({ op: 2, version: 2, group: 0, command: 0 }, Uint8Array.of(0xa1, 0x61, 0x64, 0x61, 0x78)),
  ],
  ['image state', () => req(1, 0, 0, {})],
  ['slot info', () => req(1, 6, 0, {})],
  [
    'upload: 20-byte first chunk',
    () => req(1, 1, 2, { off: 0, len: upload.length, data: upload.subarray(0, 20) }),
  ],
  ['upload: no len', () => req(1, 1, 2, { off: 0, data: upload.subarray(0, 100) })],
  ['upload: no off', () => req(1, 1, 2, { len: upload.length, data: upload.subarray(0, 100) })],
  [
    'upload: bad magic',
    () =>
      req(1, 1, 2, {
        off: 0,
        len: upload.length,
        data: Uint8Array.from([0, ...upload.subarray(1, 100)]),
      }),
  ],
  [
    'upload: too large',
    () => req(1, 1, 2, { off: 0, len: 0x200000, data: upload.subarray(0, 100) }),
  ],
  [
    'upload: upgrade with an older image',
    () => req(1, 1, 2, { off: 0, len: older.length, data: older.subarray(0, 100), upgrade: true }),
  ],
  [
    'upload: next chunk with no upload going',
    () => req(1, 1, 2, { off: 100, data: upload.subarray(100, 200) }),
  ],
  [
    'upload: first chunk with sha',
    () => req(1, 1, 2, { off: 0, len: upload.length, sha, data: upload.subarray(0, 100) }),
    8000,
  ],
  ['upload: wrong offset', () => req(1, 1, 2, { off: 500, data: upload.subarray(500, 600) })],
  [
    'upload: resume with the same sha',
    () => req(1, 1, 2, { off: 0, len: upload.length, sha, data: upload.subarray(0, 100) }),
  ],
  ['upload: next chunk', () => req(1, 1, 2, { off: 100, data: upload.subarray(100, 200) })],
  ['upload: past the end', () => req(1, 1, 2, { off: 200, data: new Uint8Array(upload.length) })],
  [
    'upload: another sha restarts',
    () =>
      req(1, 1, 2, {
        off: 0,
        len: upload.length,
        sha: new Uint8Array(32).fill(7),
        data: upload.subarray(0, 100),
      }),
    8000,
  ],
  ...[100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400].map(
    (off) =>
      [
        `upload: chunk at ${off}`,
        () => req(1, 1, 2, { off, data: upload.subarray(off, Math.min(off + 100, upload.length)) }),
      ] as [string, () => Uint8Array],
  ),
  ['image state after upload', () => req(1, 0, 0, {})],
  [
    'test with an unknown hash',
    () => req(1, 0, 2, { hash: new Uint8Array(32).fill(1), confirm: false }),
  ],
  ['confirm the running image', () => req(1, 0, 2, { confirm: true })],
  ['erase slot 0 (running)', () => req(1, 5, 2, { slot: 0 })],
  ['erase slot 2 (none)', () => req(1, 5, 2, { slot: 2 })],
  ['erase', () => req(1, 5, 2, {}), 8000],
  ['erase again (blank)', () => req(1, 5, 2, {})],
  ['image state after erase', () => req(1, 0, 0, {})],
  [
    'test with the erased hash',
    () => req(1, 0, 2, { hash: fromHex(loadGolden().upload_image.image_hash_tlv), confirm: false }),
  ],
  [
    're-upload: first chunk',
    () => req(1, 1, 2, { off: 0, len: upload.length, sha, data: upload.subarray(0, 100) }),
    8000,
  ],
  ...[100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400].map(
    (off) =>
      [
        `re-upload: chunk at ${off}`,
        () => req(1, 1, 2, { off, data: upload.subarray(off, Math.min(off + 100, upload.length)) }),
      ] as [string, () => Uint8Array],
  ),
  ['test the uploaded image', () => req(1, 0, 2, { hash: imageHash, confirm: false })],
  ['test it again (already pending)', () => req(1, 0, 2, { hash: imageHash, confirm: false })],
  ['confirm while a test is pending', () => req(1, 0, 2, { confirm: true })],
  // The answer to reset is compared; what boots next is not: the test image is
  // synthetic data, not firmware, so once MCUboot swaps it in QEMU runs garbage.
  ['reset', () => req(0, 5, 2, {})],
];

function differential(
  title: string,
  kind: 'img' | 'os',
  profile: 'zephyr-qemu-mcuboot' | 'zephyr-native-sim',
  cases: [string, () => Uint8Array, number?][],
): void {
  describe.skipIf(!available)(title, () => {
    let real: Awaited<ReturnType<typeof zephyr>>;
    let sim: Peer;
    const results: { name: string; same: boolean; real: string; sim: string }[] = [];

    beforeAll(async () => {
      real = await zephyr(kind);
      sim = await simulator(profile);
    }, 30_000);
    afterAll(async () => {
      await real?.close();
      await sim?.close();
      console.log(
        `\n${title}: ${results.filter((r) => r.same).length}/${results.length} answers identical`,
      );
      for (const r of results.filter((x) => !x.same))
        console.log(`  DIFFERENT ${r.name}\n    zephyr ${r.real}\n    sim    ${r.sim}`);
    });

    it.each(cases.map((c, i) => [c[0], i] as const))(
      '%s',
      async (name, i) => {
        const [, build, waitMs] = cases[i]!;
        const frame = build();
        const [a, b] = [await real.exchange(frame, waitMs), await sim.exchange(frame, waitMs)];
        const hex = (x: Uint8Array | null) => (x ? Buffer.from(x).toString('hex') : 'no answer');
        results.push({ name, same: hex(a) === hex(b), real: hex(a), sim: hex(b) });
        expect(hex(b), name).toBe(hex(a));
      },
      30_000,
    );
  });
}

const OS_CASES = ALL_CASES.slice(
  0,
  ALL_CASES.findIndex(([name]) => name === 'image state'),
);

differential(
  'simulator vs real Zephyr 4.4.0 (QEMU, MCUboot)',
  'img',
  'zephyr-qemu-mcuboot',
  ALL_CASES,
);
// native_sim exits on reset and has no image group: the OS cases, and group 1 answered 8.
differential('simulator vs real Zephyr 4.4.0 (native_sim)', 'os', 'zephyr-native-sim', [
  ...OS_CASES,
  ['image state (no image group)', () => req(1, 0, 0, {})],
]);
