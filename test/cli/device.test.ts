/**
 * The device commands against a device on a pty, through the Node serial
 * transport (npm serialport) and the console framing.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signImage } from '../../src/core/image/index.ts';
import { runCli } from '../helpers/cli.ts';
import { subtle } from '../helpers/crypto.ts';
import { fakeDevice } from '../helpers/fake-device.ts';
import { testKey } from '../helpers/keys.ts';
import { hasSocat, startPtyDevice, type PtyDevice } from '../helpers/pty-device.ts';

const dir = mkdtempSync(join(tmpdir(), 'ff-dev-'));
let device: PtyDevice | undefined;
afterEach(async () => {
  await device?.close();
  device = undefined;
});

async function signedImage(name: string): Promise<{ path: string; bytes: Uint8Array }> {
  const key = testKey('ed25519');
  writeFileSync(join(dir, 'key.pub.pem'), key.publicPem);
  const body = Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff);
  const { image } = await signImage(
    body,
    key.private,
    {
      version: { major: 2, minor: 0, revision: 0, build: 0 },
      headerSize: 32,
      padHeader: true,
      slotSize: 0x10000,
    },
    { subtle },
  );
  const path = join(dir, name);
  writeFileSync(path, image);
  return { path, bytes: image };
}

describe.skipIf(!hasSocat)('device commands over a serial pty', () => {
  it('echo, params, info and state, human and --json; console noise on the line is ignored', async () => {
    const fake = fakeDevice({ bufSize: 512 });
    device = await startPtyDevice(fake.handler);
    device.write('*** Booting Zephyr OS ***\r\n');
    const port = ['--port', device.path];
    expect(await runCli('echo', 'hello', 'device', ...port)).toMatchObject({
      code: 0,
      stdout: 'hello device\n',
    });
    expect(JSON.parse((await runCli('params', '--json', ...port)).stdout)).toEqual({
      ok: true,
      bufSize: 512,
      bufCount: 4,
    });
    const info = await runCli('info', ...port);
    expect(info.stdout).toBe('Zephyr fake-board\nbootloader: MCUboot, swap using move\n');
    const state = await runCli('state', ...port);
    expect(state.stdout).toMatch(
      /^image 0 slot 0 {2}1\.0\.0\+0 +a{64} {2}active confirmed bootable\n$/,
    );
    const json = JSON.parse((await runCli('state', '--json', ...port)).stdout) as {
      images: { hash: string }[];
    };
    expect(json.images[0]?.hash).toBe('aa'.repeat(32));
  });

  it('upload verifies, sends the whole image in chunks that fit, then test, confirm, reset, erase', async () => {
    const fake = fakeDevice({ bufSize: 256, dropFramesOver: 256 - 4 });
    device = await startPtyDevice(fake.handler);
    const port = ['--port', device.path];
    const { path, bytes } = await signedImage('app.bin');
    const up = await runCli('upload', path, '--key', join(dir, 'key.pub.pem'), ...port);
    expect(up.stderr).toContain(`uploaded 100% (${bytes.length}/${bytes.length} bytes)`);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/device checked its SHA-256/);
    expect(Buffer.compare(fake.state.uploaded, bytes)).toBe(0);
    const test = await runCli('test', path, ...port);
    expect(test.stdout).toMatch(/marked for test[\s\S]*slot 1 {2}2\.0\.0\+0 .* pending/);
    expect((await runCli('confirm', ...port)).code).toBe(0);
    expect((await runCli('reset', ...port)).stdout).toMatch(/reset requested/);
    expect(fake.state.resets).toBe(1);
    expect((await runCli('erase', ...port)).code).toBe(0);
  });

  it('refuses to send an image that fails verification (exit 1, nothing sent)', async () => {
    const fake = fakeDevice();
    device = await startPtyDevice(fake.handler);
    const { path } = await signedImage('bad.bin');
    const tampered = (await import('node:fs')).readFileSync(path);
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    writeFileSync(path, tampered);
    const r = await runCli(
      'upload',
      path,
      '--key',
      join(dir, 'key.pub.pem'),
      '--port',
      device.path,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/INVALID[\s\S]*bad-hash/);
    expect(r.stderr).toMatch(/not sent/);
    expect(fake.state.requests).toEqual([]);
  });

  it("a device's refusal is exit 1 with the reason in words", async () => {
    device = await startPtyDevice(fakeDevice().handler);
    const r = await runCli('test', '00'.repeat(32), '--port', device.path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /The device refused the image test request: no image with that hash is on the device \(image error 8, HASH_NOT_FOUND\)/,
    );
  });

  it('a silent device is a timeout (exit 2), a missing port a clear open error', async () => {
    device = await startPtyDevice(() => []);
    const silent = await runCli('echo', 'x', '--port', device.path, '--timeout', '300');
    expect(silent.code).toBe(2);
    expect(silent.stderr).toMatch(/did not answer the mcumgr parameters query within 0\.3 s/);
    const missing = await runCli('state', '--port', join(dir, 'no-such-tty'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot open serial port .*no-such-tty: no such port/);
    expect((await runCli('state')).stderr).toMatch(/--port PATH is required/);
  });

  it("a request too large for the device's buffer is refused before it is sent", async () => {
    const fake = fakeDevice({ bufSize: 384 });
    device = await startPtyDevice(fake.handler);
    const r = await runCli('echo', 'x'.repeat(600), '--port', device.path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /the echo would be a 614-byte SMP frame, but the device takes at most 380 bytes/i,
    );
    expect(fake.state.requests.map((q) => q.header.command)).toEqual([6]); // only mcumgr params went out
  });

  it('unplugging mid-upload ends with the disconnect, not a hang', async () => {
    const fake = fakeDevice({ bufSize: 128 });
    let chunks = 0;
    device = await startPtyDevice((req) => {
      if (req.header.command === 1 && ++chunks === 3) void device?.unplug();
      return fake.handler(req);
    });
    const { path } = await signedImage('big.bin');
    const r = await runCli('upload', path, '--port', device.path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/serial device was disconnected|did not answer/);
  });
});
