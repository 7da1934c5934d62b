/**
 * `fieldflash sim --pty` as a child process (the built CLI bundle), for tests
 * that drive a simulated device through a real pseudo-terminal: the CLI's
 * device commands, and Chromium's own Web Serial stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SIM_BIN = new URL('../../dist/cli/fieldflash.mjs', import.meta.url).pathname;
export const SAMPLE_UPLOAD = new URL('../../public/samples/demo-app-1.0.0.bin', import.meta.url)
  .pathname;
export const SAMPLE_FACTORY = new URL('../../public/samples/demo-app-0.9.0.bin', import.meta.url)
  .pathname;
export const DEMO_KEY = new URL('../../src/app/demo/demo-signing-key.pem', import.meta.url)
  .pathname;

export interface SimProcess {
  readonly link: string;
  readonly proc: ChildProcess;
  readonly stderr: () => string;
  readonly summary: Record<string, unknown>;
}

const running: ChildProcess[] = [];

/** Stops every simulator started since the last call (for afterEach). */
export function stopSims(): void {
  for (const p of running.splice(0)) p.kill('SIGINT');
}

/** Starts `fieldflash sim` and resolves once it printed its JSON summary. */
export async function startSim(...args: string[]): Promise<SimProcess> {
  const link = join(mkdtempSync(join(tmpdir(), 'ff-sim-')), 'link');
  const proc = spawn(process.execPath, [SIM_BIN, 'sim', '--pty', link, '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(proc);
  let out = '';
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const summary = await new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch {
        // not complete yet
      }
    });
    proc.once('exit', (code) => reject(new Error(`sim exited with ${code}: ${err}`)));
  });
  return { link, proc, stderr: () => err, summary };
}
