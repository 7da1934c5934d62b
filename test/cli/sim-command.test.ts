/**
 * `fieldflash sim --pty LINK`: the built binary runs the simulated device on a
 * socat pty, and the CLI's own device commands (a real SMP client over a real
 * serial port) drive it; faults given on the command line act. Plus the
 * fault-spec parser and the usage errors.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../src/cli/sim-fault-spec.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { checkpointKey } from '../../src/core/update/index.ts';
import { checkpointFileName } from '../../src/store/checkpoints-file.ts';
import { runCli, runCliWatched } from '../helpers/cli.ts';
import { hasSocat } from '../helpers/pty-device.ts';
import {
  DEMO_KEY,
  SAMPLE_FACTORY,
  SAMPLE_UPLOAD,
  startSim,
  stopSims,
} from '../helpers/sim-process.ts';

const UPLOAD = SAMPLE_UPLOAD;
const FACTORY = SAMPLE_FACTORY;

afterEach(stopSims);

describe.skipIf(!hasSocat)('fieldflash sim on a pty', () => {
  it('answers the CLI like the Zephyr qemu build: echo, params, state, info, upload', async () => {
    const sim = await startSim();
    expect(sim.summary).toMatchObject({
      profile: 'zephyr-qemu-mcuboot',
      bufSize: 384,
      bufCount: 4,
    });
    const port = ['--port', sim.link];
    expect((await runCli('echo', 'over the pty', ...port)).stdout).toBe('over the pty\n');
    expect(JSON.parse((await runCli('params', ...port, '--json')).stdout)).toMatchObject({
      bufSize: 384,
      bufCount: 4,
    });
    expect((await runCli('info', ...port)).stdout).toMatch(/qemu_cortex_m0/);
    const up = await runCli('upload', UPLOAD, ...port, '--key', DEMO_KEY);
    expect(up.code).toBe(0);
    const state = JSON.parse((await runCli('state', ...port, '--json')).stdout) as {
      images: { slot: number; version: string }[];
    };
    expect(state.images).toContainEqual(expect.objectContaining({ slot: 1, version: '1.0.0' }));
    sim.proc.kill('SIGINT');
    const code = await new Promise((r) => sim.proc.once('exit', r));
    expect(code).toBe(0);
    expect(existsSync(sim.link)).toBe(false);
  }, 60_000);

  it('boots an installed image through MCUboot with the given key, and survives a reset', async () => {
    const sim = await startSim('--profile', 'usb-cdc', '--image', FACTORY, '--key', DEMO_KEY);
    const port = ['--port', sim.link];
    const state = JSON.parse((await runCli('state', ...port, '--json')).stdout) as {
      images: { version: string; active: boolean }[];
    };
    expect(state.images[0]).toMatchObject({ version: '0.9.0', active: true });
    expect((await runCli('reset', ...port)).code).toBe(0);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await runCli('echo', 'back', ...port)).stdout).toBe('back\n');
    expect(sim.stderr()).toMatch(/"what":"booted"/);
  }, 60_000);

  it('without --image it runs a v0.0.0 placeholder that boots again after a reset; a dropped link comes back when the client writes', async () => {
    const sim = await startSim('--fault', 'disconnect@ms=300');
    expect(sim.summary).toMatchObject({ capacityBytesPerSecond: null }); // QEMU's UART: no wire limit
    const port = ['--port', sim.link];
    const state = JSON.parse((await runCli('state', ...port, '--json')).stdout) as {
      images: { version: string }[];
    };
    expect(state.images[0]).toMatchObject({ version: '0.0.0' });
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.stderr()).toMatch(/"what":"fault disconnect"/);
    expect((await runCli('echo', 'after the drop', ...port)).stdout).toBe('after the drop\n');
    expect((await runCli('reset', ...port)).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await runCli('echo', 'rebooted', ...port)).stdout).toBe('rebooted\n');
  }, 60_000);

  it('update: the whole verified flow against it, through a dropped link; a downgrade is exit 1', async () => {
    const pub = join(mkdtempSync(join(tmpdir(), 'ff-key-')), 'demo.pub.pem');
    writeFileSync(pub, (await runCli('getpub', DEMO_KEY)).stdout);
    const sim = await startSim(
      '--profile',
      'usb-cdc',
      '--image',
      FACTORY,
      '--key',
      pub,
      '--fault',
      'disconnect@byte=12000',
    );
    const port = ['--port', sim.link];
    const r = await runCli('update', UPLOAD, '--key', pub, ...port, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      version: '1.0.0+0',
      outcome: 'updated',
    });
    // A pty cannot signal the drop: the engine sees lost answers, retries, and the sim reconnects.
    expect(sim.stderr()).toMatch(/"what":"fault disconnect"/);
    const state = JSON.parse((await runCli('state', ...port, '--json')).stdout) as {
      images: { version: string; active: boolean; confirmed: boolean }[];
    };
    expect(state.images[0]).toMatchObject({ version: '1.0.0', active: true, confirmed: true });
    const down = await runCli('update', FACTORY, '--key', pub, ...port);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/older than the one the device runs/);
    expect((await runCli('update', UPLOAD, ...port)).stderr).toMatch(/--key PUB is required/);
    // Verified before the port is even opened: a tampered image is exit 1, nothing sent.
    const tampered = join(mkdtempSync(join(tmpdir(), 'ff-img-')), 'tampered.bin');
    const bytes = new Uint8Array(readFileSync(UPLOAD));
    bytes[1000] = (bytes[1000] ?? 0) ^ 1;
    writeFileSync(tampered, bytes);
    const bad = await runCli('update', tampered, '--key', pub, '--port', '/nonexistent/port');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not sent: .*failed verification/);
    expect(bad.stdout).toMatch(/bad-hash|altered|does not match/i);
  }, 60_000);

  it('update interrupted (^C) mid-upload: exit 130 with where it stopped; the same command resumes; erase forgets the record', async () => {
    const pub = join(mkdtempSync(join(tmpdir(), 'ff-key-')), 'demo.pub.pem');
    writeFileSync(pub, (await runCli('getpub', DEMO_KEY)).stdout);
    // Every upload answer held back 150 ms: slow enough to stop it half way.
    const sim = await startSim(
      '--profile',
      'usb-cdc',
      '--image',
      FACTORY,
      '--key',
      pub,
      '--fault',
      'late=150:1.1',
    );
    const port = ['--port', sim.link];
    const stop = new AbortController();
    const first = await runCliWatched(
      {
        signal: stop.signal,
        onErr: (t) => {
          if (/uploading [3-9]\d%/.test(t)) stop.abort();
        },
      },
      'update',
      UPLOAD,
      '--key',
      pub,
      ...port,
    );
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(
      /cancelled during the upload, at \d+ %.*start the update again to resume/,
    );
    const stopped = Number(/at (\d+) %/.exec(first.stderr)?.[1]);
    expect(stopped).toBeGreaterThanOrEqual(30);
    const dir = join(process.env['FIELDFLASH_STATE_DIR'] ?? '', 'checkpoints');
    const record = checkpointFileName(checkpointKey(`serial:${sim.link}`, 0));
    const files = () => readdirSync(dir).filter((f) => f === record);
    expect(files()).toHaveLength(1);

    const again = await runCli('update', UPLOAD, '--key', pub, ...port, '--json');
    expect(again.code).toBe(0);
    const events = again.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; detail?: string });
    const details = events.flatMap((e) => (e.type === 'phase' ? [e.detail] : []));
    expect(details).toContain(`taking up the update interrupted at ${stopped} % of the upload`);
    expect(details.some((d) => d?.startsWith('resuming at byte '))).toBe(true);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'updated' });

    // A record left behind is forgotten by an erase of the slot it describes.
    // Another image (1.1.0), interrupted too, leaves a record; an erase of the slot forgets it.
    const raw = join(mkdtempSync(join(tmpdir(), 'ff-img-')), 'app.bin');
    writeFileSync(
      raw,
      new Uint8Array(30_000).map((_, i) => (i * 7) & 0xff),
    );
    const v110 = `${raw}.signed.bin`;
    const signed = await runCli(
      'sign',
      '--key',
      DEMO_KEY,
      '--version',
      '1.1.0',
      '--header-size',
      '32',
      '--pad-header',
      '--slot-size',
      '0x10000',
      raw,
      v110,
    );
    expect(signed.code).toBe(0);
    const again2 = new AbortController();
    const third = await runCliWatched(
      {
        signal: again2.signal,
        onErr: (t) => {
          if (/uploading [3-9]\d%/.test(t)) again2.abort();
        },
      },
      'update',
      v110,
      '--key',
      pub,
      ...port,
    );
    expect(third.code).toBe(130);
    expect(files()).toHaveLength(1);
    expect((await runCli('erase', ...port)).code).toBe(0);
    expect(files()).toEqual([]);
  }, 60_000);

  it('a --fault acts and is logged: silent echo → the CLI times out (exit 2)', async () => {
    const sim = await startSim('--fault', 'silent:0.0');
    const r = await runCli('echo', 'x', '--port', sim.link, '--timeout', '500');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did not answer|timed out|no answer/i);
    expect(sim.stderr()).toMatch(/"what":"fault silent"/);
    expect((await runCli('params', '--port', sim.link)).code).toBe(0);
  }, 60_000);

  it('a device that does not boot is exit 1; bad usage is exit 2', async () => {
    const other = join(mkdtempSync(join(tmpdir(), 'ff-key-')), 'other.pub.pem');
    writeFileSync(
      other,
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const link = join(mkdtempSync(join(tmpdir(), 'ff-sim-')), 'link');
    const refused = await runCli('sim', '--pty', link, '--image', FACTORY, '--key', other);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/did not boot: image 0: primary slot: wrong-key/);
    const notAKey = new URL('../../src/app/demo/README.md', import.meta.url).pathname;
    expect((await runCli('sim', '--pty', link, '--key', notAKey)).code).toBe(2);
    expect((await runCli('sim')).stderr).toMatch(/--pty LINK is required/);
    expect((await runCli('sim', '--pty', link, '--profile', 'nrf52840-ble')).stderr).toMatch(
      /serial link/,
    );
    expect((await runCli('sim', '--pty', link, '--fault', 'explode')).stderr).toMatch(
      /unknown fault "explode"/,
    );
  });
});

describe('--fault specs', () => {
  it.each([
    ['drop:to-device', { kind: 'drop', direction: 'to-device' }],
    ['corrupt:to-host:3:2', { kind: 'corrupt', direction: 'to-host', nth: 3, count: 2 }],
    ['reorder:to-device:2', { kind: 'reorder', direction: 'to-device', nth: 2 }],
    ['duplicate:to-host', { kind: 'duplicate', direction: 'to-host' }],
    ['disconnect@byte=5000', { kind: 'disconnect', atByte: 5000 }],
    ['disconnect@ms=2000', { kind: 'disconnect', afterMs: 2000 }],
    [
      'power-loss@byte=100,tear,off=500',
      { kind: 'power-loss', atByte: 100, tear: true, offMs: 500 },
    ],
    ['power-loss@flash,tear', { kind: 'power-loss', duringFlash: true, tear: true }],
    ['power-loss@ms=10', { kind: 'power-loss', afterMs: 10 }],
    ['slow-flash=4', { kind: 'slow-flash', factor: 4 }],
    ['busy:1.1:3', { kind: 'busy', match: { group: 1, command: 1 }, count: 3 }],
    ['busy', { kind: 'busy' }],
    ['silent:0.0', { kind: 'silent', match: { group: 0, command: 0 } }],
    ['late=2500:1.1', { kind: 'late', delayMs: 2500, match: { group: 1, command: 1 } }],
    ['wrong-offset=-100:2', { kind: 'wrong-offset', delta: -100, count: 2 }],
    ['wrong-offset', { kind: 'wrong-offset' }],
  ])('%s', (spec, fault) => {
    expect(parseFaultSpec(spec)).toEqual(fault);
  });

  it.each([
    ['drop', /to-device or to-host/],
    ['drop:sideways', /to-device or to-host/],
    ['drop:to-host:0', /NTH must be at least 1/],
    ['disconnect@flash', /@byte=N or @ms=T only/],
    ['disconnect@soon', /expected @byte=N or @ms=T/],
    ['power-loss@byte=x', /N must be a whole number/],
    ['power-loss@ms=5,melt', /unknown option "melt"/],
    ['slow-flash=0', /positive number/],
    ['late:1.1', /MS must be a whole number/],
    ['busy:one', /COUNT must be a whole number/],
    ['busy:1.x', /not GROUP.COMMAND/],
    ['nap', /unknown fault "nap"/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(UsageError);
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});
