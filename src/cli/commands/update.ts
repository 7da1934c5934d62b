/**
 * `fieldflash update IMAGE --key PUB --port PATH`: the whole verified,
 * resumable update (engine/update.ts) over a serial port: verify, preflight,
 * pipelined upload, test, reset, confirm. Running it again after an
 * interruption continues from where the device is (it keeps the upload's
 * offset for the same image until it reboots); a checkpoint file per port
 * lets the new run say where the last one stopped.
 * @module
 */
import { ImageRejectedError, type UpdateEvent, type UpdateMode } from '../../core/update/index.ts';
import { SmpClient } from '../../client/smp-client.ts';
import { runUpdate } from '../../engine/update.ts';
import { flag, parseBasedInt, parseCommandArgs, requireOne, str, strs } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { cliCheckpointStore, serialIdentity } from '../checkpoints.ts';
import { EXIT, UsageError } from '../errors.ts';
import { loadTrustedKey } from '../keys.ts';
import { readImage, reportInvalid } from '../verified-image.ts';

export const UPDATE_HELP = `usage: fieldflash update IMAGE --key PUB --port PATH [options]

Verifies IMAGE against the trusted keys, then updates the device: uploads it
(several chunks in flight, resuming after a dropped link), marks it, resets the
device into it and confirms it once it runs. Run the same command again after
an interruption to continue: where it stopped is kept in
$XDG_STATE_HOME/fieldflash/checkpoints (or $FIELDFLASH_STATE_DIR), and the
upload goes on from the offset the device confirms.
  -k, --key FILE          trusted public key (repeatable; required)
  -p, --port PATH         serial port of the device
  -b, --baud N            baud rate (default 115200)
      --mode MODE         test-and-confirm (default), confirm-only, test-only
      --allow-downgrade   send an image older than the running one
      --image N           image number on multi-image devices (default 0)
      --swap-timeout MS   how long the device may take to come back after the reset (default 120000)
      --json              one JSON document at the end; events as JSON lines on stderr
exit: 0 updated (or already running), 1 invalid image, refused or reverted, 2 usage, port or link failure`;

const MODES: readonly UpdateMode[] = ['test-and-confirm', 'confirm-only', 'test-only'];

export async function updateCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('update', argv, {
    key: { type: 'string', short: 'k', multiple: true },
    port: { type: 'string', short: 'p' },
    baud: { type: 'string', short: 'b' },
    mode: { type: 'string' },
    'allow-downgrade': { type: 'boolean' },
    image: { type: 'string' },
    'swap-timeout': { type: 'string' },
  });
  const file = requireOne('update', positionals, 'image file');
  const port = str(values['port']);
  if (!port) throw new UsageError('update: --port PATH is required');
  const keyFiles = strs(values['key']);
  if (keyFiles.length === 0) {
    throw new UsageError(
      'update: --key PUB is required (an update only sends images signed by a trusted key)',
    );
  }
  const mode = str(values['mode']);
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`update: --mode must be one of ${MODES.join(', ')}`);
  }
  const keys = await Promise.all(keyFiles.map(loadTrustedKey));
  // Read once; the engine verifies it before the device is contacted.
  const bytes = await readImage(file);

  const baud = str(values['baud']);
  const { openNodeSerial } = await import('../../transport/node-serial.ts');
  const connector = {
    identity: serialIdentity(port),
    connect: async () =>
      new SmpClient(
        await openNodeSerial({
          path: port,
          ...(baud ? { baudRate: parseBasedInt(baud, 'update: --baud') } : {}),
        }),
      ),
  };
  const tty = !ctx.json && process.stderr.isTTY;
  let lastLine = -1;
  const render = (e: UpdateEvent) => {
    if (ctx.json) {
      ctx.err(JSON.stringify(e) + '\n');
      return;
    }
    if (e.type === 'progress') {
      const pct = Math.floor((e.bytes / e.total) * 100);
      const line = `uploading ${pct}% (${e.bytes}/${e.total} bytes, ${(e.rate / 1000).toFixed(1)} kB/s${e.eta !== null ? `, ${Math.ceil(e.eta)} s left` : ''})`;
      if (tty) ctx.err(`\r${line}\x1b[K`);
      else if (Math.floor(pct / 10) !== lastLine) ctx.err(line + '\n');
      lastLine = Math.floor(pct / 10);
      return;
    }
    if (tty && lastLine >= 0) ctx.err('\n');
    lastLine = -1;
    if (e.type === 'phase') ctx.err(`${e.phase}: ${e.detail}\n`);
    else if (e.type === 'warning') ctx.err(`warning: ${e.message}\n`);
  };
  const swap = str(values['swap-timeout']);
  const imageIndex = str(values['image']);
  let done: Extract<UpdateEvent, { type: 'done' }> | null = null;
  let outcome;
  // ^C stops the update cleanly: the port is closed and the checkpoint kept, so
  // the same command resumes. A second ^C leaves at once.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (ctx.signal?.aborted) stop.abort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(EXIT.cancelled);
    ctx.err('\nstopping cleanly (^C again to leave at once)\n');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    outcome = await runUpdate(
      connector,
      bytes,
      { keys, subtle: ctx.subtle },
      {
        ...(mode ? { mode: mode as UpdateMode } : {}),
        ...(flag(values['allow-downgrade']) ? { allowDowngrade: true } : {}),
        ...(imageIndex !== undefined
          ? { imageIndex: parseBasedInt(imageIndex, 'update: --image') }
          : {}),
        ...(swap ? { swapTimeoutMs: parseBasedInt(swap, 'update: --swap-timeout') } : {}),
        checkpoints: cliCheckpointStore(),
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'done') done = e;
          render(e);
        },
      },
    );
  } catch (error) {
    if (error instanceof ImageRejectedError && error.verdict) {
      reportInvalid('update', file, error.verdict, ctx);
      return EXIT.rejected;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  const { version, hash } = done ?? { version: '?', hash: '' };
  const summary = { ok: true, file, version, hash, outcome };
  if (ctx.json) printJson(ctx, summary);
  else {
    const said = {
      updated: `updated: the device runs ${version}, confirmed`,
      testing: `the device runs ${version} on test: it reverts at the next reset unless confirmed`,
      'already-running': `nothing to do: the device already runs ${version}`,
    }[outcome];
    ctx.out(said + '\n');
  }
  return EXIT.ok;
}
