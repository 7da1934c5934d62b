/**
 * Chromium with a pty as its serial port (../shared/research/browser-testing.md
 * §2.2, "option A"): inside a private mount namespace the pty is bind-mounted
 * over /dev/ttyS0 — which Chromium enumerates from sysfs — and a policy file
 * over /etc/chromium allows the test origin to use it without a chooser. So
 * the page runs Chromium's real SerialPort stack end to end. Needs root (CI
 * has it), `unshare`, and a sysfs ttyS0.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.mjs';

export const canBindSerial =
  existsSync('/sys/class/tty/ttyS0/device') &&
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['-m', 'true']).status === 0;

if (!canBindSerial) {
  if (process.env['CI'])
    throw new Error(
      'CI run where the Web Serial pty setup is impossible (needs root, unshare -m, sysfs ttyS0)',
    );
  console.warn(
    '\n*** SKIPPED: the Web Serial browser tests need root, `unshare -m` and /sys/class/tty/ttyS0. ***\n',
  );
}

/** Headless Chromium has no port chooser: answer requestPort with the policy-granted port. */
export const REQUEST_PORT_SHIM = `
Serial.prototype.requestPort = async function () {
  const [port] = await this.getPorts();
  if (!port) throw new DOMException("Failed to execute 'requestPort' on 'Serial': No port selected by the user.", 'NotFoundError');
  return port;
};`;

export async function launchWithSerialPort(ptyPath: string, origin: string): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-serial-chromium-'));
  const policies = join(dir, 'etc-chromium', 'policies', 'managed');
  mkdirSync(policies, { recursive: true });
  writeFileSync(
    join(policies, 'test.json'),
    JSON.stringify({ SerialAllowAllPortsForUrls: [origin] }),
  );
  const wrapper = join(dir, 'chromium-ns-pty.sh');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec unshare -m sh -c ${q(`mount --bind ${q(join(dir, 'etc-chromium'))} /etc/chromium && mount --bind ${q(realpathSync(ptyPath))} /dev/ttyS0 && exec ${q(CHROMIUM)} "$@"`)} chromium "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return chromium.launch({ executablePath: wrapper, headless: true, args: [...CHROMIUM_FLAGS] });
}
