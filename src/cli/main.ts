/**
 * The `fieldflash` command line: dispatch, global flags, and the one place
 * errors become a line on stderr and an exit code (DESIGN.md "CLI").
 * @module
 */
import { FieldflashError } from '../core/errors.ts';
import { getpubCommand, GETPUB_HELP } from './commands/getpub.ts';
import { inspectCommand, INSPECT_HELP } from './commands/inspect.ts';
import { keygenCommand, KEYGEN_HELP } from './commands/keygen.ts';
import { signCommand, SIGN_HELP } from './commands/sign.ts';
import { verifyCommand, VERIFY_HELP } from './commands/verify.ts';
import { DEVICE_COMMANDS } from './commands/device.ts';
import { uploadCommand, UPLOAD_HELP } from './commands/upload.ts';
import { simCommand, SIM_HELP } from './commands/sim.ts';
import { updateCommand, UPDATE_HELP } from './commands/update.ts';
import { feedCommand, FEED_HELP } from './commands/feed.ts';
import { SmpDeviceError } from '../core/smp/index.ts';
import type { CliContext } from './context.ts';
import { EXIT, UsageError } from './errors.ts';

type Command = (argv: string[], ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string; summary: string }> = {
  keygen: { run: keygenCommand, help: KEYGEN_HELP, summary: 'generate a signing key' },
  getpub: {
    run: getpubCommand,
    help: GETPUB_HELP,
    summary: 'print the public key (PEM, raw, hash)',
  },
  sign: {
    run: signCommand,
    help: SIGN_HELP,
    summary: 'make a signed MCUboot image (imgtool flags)',
  },
  verify: { run: verifyCommand, help: VERIFY_HELP, summary: 'check an image against trusted keys' },
  inspect: {
    run: inspectCommand,
    help: INSPECT_HELP,
    summary: "show an image's header, TLVs and trailer",
  },
  feed: {
    run: feedCommand,
    help: FEED_HELP,
    summary: 'make, sign and check a signed release feed (add, sign, verify)',
  },
  ...DEVICE_COMMANDS,
  upload: {
    run: uploadCommand,
    help: UPLOAD_HELP,
    summary: 'device: verify and upload an image (sequential)',
  },
  update: {
    run: updateCommand,
    help: UPDATE_HELP,
    summary: 'device: the whole verified, resumable update (upload, test, reset, confirm)',
  },
  sim: {
    run: simCommand,
    help: SIM_HELP,
    summary: 'run a simulated Zephyr + MCUboot device on a pty',
  },
};

export const VERSION = '0.1.0';

/** Update outcomes that are a "no" (exit 1) rather than a failure (exit 2). */
const REFUSALS = new Set([
  'downgrade-refused',
  'running-version-unknown',
  'image-too-large',
  'update-not-supported',
  'image-reverted',
  'slot-mismatch',
  'image-rejected',
]);

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`);
  return `usage: fieldflash COMMAND [options]\n\ncommands:\n${lines.join('\n')}\n\nglobal options: --json, --debug, --help, --version\nrun \`fieldflash COMMAND --help\` for a command's options\n`;
}

export interface CliHost {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly subtle: CliContext['subtle'];
  readonly signal?: AbortSignal;
}

export async function main(argv: readonly string[], host: CliHost): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const rest = argv.filter((a) => a !== '--json' && a !== '--debug');
  const ctx: CliContext = { json, debug, ...host };
  const [name, ...args] = rest;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    host.out(usage());
    return name === undefined ? EXIT.failure : EXIT.ok;
  }
  if (name === '--version') {
    host.out(`fieldflash ${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    host.err(`fieldflash: unknown command "${name}"\n${usage()}`);
    return EXIT.failure;
  }
  if (args.includes('--help') || args.includes('-h')) {
    host.out(command.help + '\n');
    return EXIT.ok;
  }
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (debug) host.err(`${(err as Error).stack ?? String(err)}\n`);
    const message =
      err instanceof FieldflashError
        ? err.message
        : `unexpected error: ${(err as Error).message ?? String(err)}`;
    if (json) {
      const code = err instanceof FieldflashError ? err.code : 'internal';
      host.out(JSON.stringify({ ok: false, error: { code, message } }, null, 2) + '\n');
    }
    host.err(`fieldflash ${name}: ${message}\n`);
    if (err instanceof UsageError) host.err(`run \`fieldflash ${name} --help\` for usage\n`);
    // The device answered and said no, or the update was refused or reverted:
    // a verdict, not a failure of the tool or link.
    if (err instanceof FieldflashError && err.code === 'update-cancelled') return EXIT.cancelled;
    const refusal = err instanceof FieldflashError && REFUSALS.has(err.code);
    return err instanceof SmpDeviceError || refusal ? EXIT.rejected : EXIT.failure;
  }
}
