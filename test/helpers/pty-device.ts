/**
 * A device on a pseudo-terminal: socat makes a pty pair; the test's handler
 * answers SMP requests on one end, in Zephyr's console framing (124-then-120
 * character lines), and the code under test opens the other end as a serial
 * port. Needs Debian's `socat` (.ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadStream, WriteStream } from 'node:tty';
import {
  decodeFrame,
  encodeSerialFrame,
  SerialDeframer,
  ZEPHYR_CONTINUATION_CHARS,
} from '../../src/core/smp/index.ts';
import type { Handler } from './responder.ts';

export const hasSocat = spawnSync('socat', ['-V']).status === 0;
if (!hasSocat) {
  if (process.env['CI']) throw new Error('CI run without socat (.ci/run installs it)');
  console.warn('\n*** SKIPPED: serial tests need socat (apt-get install socat). ***\n');
}

export interface PtyDevice {
  /** The path the code under test opens. */
  readonly path: string;
  readonly deframer: SerialDeframer;
  /** Bytes to put on the line besides answers (console noise). */
  write(bytes: Uint8Array | string): void;
  /** Pulls the plug: kills socat, which closes both ends. */
  unplug(): Promise<void>;
  close(): Promise<void>;
}

export async function startPtyDevice(handler: Handler): Promise<PtyDevice> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-pty-'));
  const devicePath = join(dir, 'device');
  const hostPath = join(dir, 'host');
  const socat: ChildProcess = spawn(
    'socat',
    [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200 && !(existsSync(devicePath) && existsSync(hostPath)); i++)
    await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(hostPath)) throw new Error('socat did not create the pty pair');
  const fd = openSync(devicePath, 'r+');
  const input = new ReadStream(fd);
  input.setRawMode(true);
  const output = new WriteStream(fd);
  const deframer = new SerialDeframer();
  input.on('error', () => undefined);
  output.on('error', () => undefined);
  input.on('data', (chunk: Buffer) => {
    for (const frame of deframer.push(chunk)) {
      void Promise.resolve(handler(decodeFrame(frame))).then((answers) => {
        for (const a of answers)
          output.write(encodeSerialFrame(a, { continuationChars: ZEPHYR_CONTINUATION_CHARS }));
      });
    }
  });
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const stop = async () => {
    input.destroy();
    output.destroy();
    if (socat.exitCode === null) socat.kill();
    await exited;
  };
  return { path: hostPath, deframer, write: (b) => output.write(b), unplug: stop, close: stop };
}
