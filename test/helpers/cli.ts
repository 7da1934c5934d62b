import { main } from '../../src/cli/main.ts';
import { subtle } from './crypto.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as the binary does, capturing its output. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    subtle,
  });
  return { code, stdout, stderr };
}

/** Runs the CLI in-process with a host signal (^C) and a live view of stderr. */
export async function runCliWatched(
  watch: { readonly signal: AbortSignal; readonly onErr: (text: string) => void },
  ...argv: string[]
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    out: (t) => (stdout += t),
    err: (t) => {
      stderr += t;
      watch.onErr(t);
    },
    subtle,
    signal: watch.signal,
  });
  return { code, stdout, stderr };
}

/** Splits a command line as a POSIX shell would for the simple quoting imgtool commands use. */
export function shellSplit(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}
