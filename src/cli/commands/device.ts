/**
 * Device commands over a serial port (DESIGN.md "CLI"): echo, params, info,
 * state, test, confirm, reset, erase. Each opens the port, sends its
 * request(s), prints the answer (or `--json`), and closes.
 * @module
 */
import { bytesToHex, hexToBytes } from '../../core/bytes.ts';
import { FieldflashError } from '../../core/errors.ts';
import { formatVersion, readImageFile, verifyImage } from '../../core/image/index.ts';
import { image, os, parseDeviceVersion, type ImageStateList } from '../../core/smp/index.ts';
import { flag, parseBasedInt, parseCommandArgs, str, type OptionSpec } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { checkpointKey } from '../../core/update/index.ts';
import { cliCheckpointStore, serialIdentity } from '../checkpoints.ts';
import { EXIT, InFileError, UsageError } from '../errors.ts';
import { readInput } from '../io.ts';
import { DEVICE_HELP, DEVICE_OPTIONS, withDevice } from '../device/session.ts';

type Run = (argv: string[], ctx: CliContext) => Promise<number>;

interface DeviceCommand {
  readonly help: string;
  readonly summary: string;
  readonly run: Run;
}

function parse(command: string, argv: string[], extra: OptionSpec = {}) {
  return parseCommandArgs(command, argv, { ...DEVICE_OPTIONS, ...extra });
}

/** A device's version string (`1.2.3.4`) in the notation `verify` and `sign` use (`1.2.3+4`). */
function versionText(device: string): string {
  try {
    return formatVersion(parseDeviceVersion(device));
  } catch {
    return device;
  }
}

/** A state list as JSON-friendly data. */
export function stateJson(list: ImageStateList) {
  return {
    images: list.images.map((i) => ({
      ...i,
      versionText: versionText(i.version),
      hash: i.hash ? bytesToHex(i.hash) : null,
    })),
    splitStatus: list.splitStatus ?? null,
  };
}

export function describeState(list: ImageStateList): string {
  if (list.images.length === 0) return 'no images reported\n';
  return list.images
    .map((i) => {
      const flags = (['active', 'confirmed', 'pending', 'permanent', 'bootable'] as const)
        .filter((f) => i[f])
        .join(' ');
      return `image ${i.image} slot ${i.slot}  ${versionText(i.version).padEnd(12)} ${i.hash ? bytesToHex(i.hash) : '(no hash)'}  ${flags}\n`;
    })
    .join('');
}

/** A 64-hex-digit image hash, or an image file whose SHA256 TLV is used (after checking its hash). */
async function hashArgument(command: string, arg: string): Promise<Uint8Array> {
  if (/^[0-9a-fA-F]{64}$/.test(arg)) return hexToBytes(arg.toLowerCase());
  let bytes: Uint8Array;
  try {
    bytes = readImageFile(await readInput(arg)).bytes;
  } catch (err) {
    if (err instanceof FieldflashError && !(err instanceof UsageError))
      throw err instanceof InFileError ? err : new InFileError(arg, err);
    throw err;
  }
  const verdict = await verifyImage(bytes, []);
  if (!verdict.ok)
    throw new UsageError(
      `${command}: ${arg} is not a valid image (${verdict.reason}: ${verdict.detail})`,
    );
  if (!verdict.sha256)
    throw new UsageError(`${command}: ${arg} has no SHA256 hash TLV, which devices list images by`);
  return hexToBytes(verdict.sha256);
}

const help = (usage: string, what: string, extra = '') =>
  `usage: fieldflash ${usage} --port PATH [options]\n\n${what}\n${extra}${DEVICE_HELP}\nexit: 0 done, 1 the device refused, 2 usage, port or link failure`;

export const DEVICE_COMMANDS: Record<string, DeviceCommand> = {
  echo: {
    summary: 'device: echo text back (link check)',
    help: help('echo TEXT', 'Sends TEXT; the device answers with it.'),
    run: async (argv, ctx) => {
      const { values, positionals } = parse('echo', argv);
      const text = positionals.join(' ');
      const reply = await withDevice('echo', values, ({ client }) => client.request(os.echo(text)));
      if (ctx.json) printJson(ctx, { ok: true, reply });
      else ctx.out(`${reply}\n`);
      return EXIT.ok;
    },
  },
  params: {
    summary: 'device: SMP buffer size and count',
    help: help('params', "Shows the device's SMP buffer size and count (mcumgr params)."),
    run: async (argv, ctx) => {
      const { values } = parse('params', argv);
      const p = await withDevice('params', values, ({ client }) =>
        client.request(os.mcumgrParams()),
      );
      if (ctx.json) printJson(ctx, { ok: true, ...p });
      else ctx.out(`buffer size ${p.bufSize} bytes, ${p.bufCount} buffers\n`);
      return EXIT.ok;
    },
  },
  info: {
    summary: 'device: OS, board and bootloader information',
    help: help(
      'info [--format LETTERS]',
      "Shows the device's OS information (uname-like) and its bootloader.",
      '      --format LETTERS  s n r v b m p i o, or a for all (default a)\n',
    ),
    run: async (argv, ctx) => {
      const { values } = parse('info', argv, { format: { type: 'string' } });
      const result = await withDevice('info', values, async ({ client }) => {
        const output = await client.request(os.info(str(values['format']) ?? 'a'));
        const bootloader = await client.request(os.bootloaderName()).catch(() => null);
        const mode =
          bootloader === 'MCUboot'
            ? await client.request(os.bootloaderMode()).catch(() => null)
            : null;
        return { output, bootloader, mode };
      });
      if (ctx.json) printJson(ctx, { ok: true, ...result });
      else {
        ctx.out(`${result.output}\n`);
        if (result.bootloader)
          ctx.out(
            `bootloader: ${result.bootloader}${result.mode ? `, ${result.mode.modeName}${result.mode.noDowngrade ? ', downgrades refused' : ''}` : ''}\n`,
          );
      }
      return EXIT.ok;
    },
  },
  state: {
    summary: 'device: list images in its slots',
    help: help('state', "Lists the images in the device's slots with version, hash and flags."),
    run: async (argv, ctx) => {
      const { values } = parse('state', argv);
      const list = await withDevice('state', values, ({ client }) =>
        client.request(image.imageState()),
      );
      if (ctx.json) printJson(ctx, { ok: true, ...stateJson(list) });
      else ctx.out(describeState(list));
      return EXIT.ok;
    },
  },
  test: {
    summary: 'device: mark an image for a test boot',
    help: help(
      'test HASH|IMAGE',
      'Marks the image with this hash (64 hex digits, or taken from an image file) to be tried once at the next reset.',
    ),
    run: async (argv, ctx) => {
      const { values, positionals } = parse('test', argv);
      if (positionals.length !== 1 || !positionals[0])
        throw new UsageError('test: expected one HASH or IMAGE');
      const hash = await hashArgument('test', positionals[0]);
      const list = await withDevice('test', values, ({ client }) =>
        client.request(image.imageTest(hash)),
      );
      if (ctx.json) printJson(ctx, { ok: true, ...stateJson(list) });
      else ctx.out(`marked for test; it boots at the next reset\n${describeState(list)}`);
      return EXIT.ok;
    },
  },
  confirm: {
    summary: 'device: confirm the running (or a given) image',
    help: help(
      'confirm [HASH|IMAGE]',
      'Confirms the running image, or the image with this hash, so MCUboot keeps it.',
    ),
    run: async (argv, ctx) => {
      const { values, positionals } = parse('confirm', argv);
      if (positionals.length > 1)
        throw new UsageError('confirm: expected at most one HASH or IMAGE');
      const hash = positionals[0] ? await hashArgument('confirm', positionals[0]) : undefined;
      const list = await withDevice('confirm', values, ({ client }) =>
        client.request(image.imageConfirm(hash)),
      );
      if (ctx.json) printJson(ctx, { ok: true, ...stateJson(list) });
      else ctx.out(`confirmed\n${describeState(list)}`);
      return EXIT.ok;
    },
  },
  reset: {
    summary: 'device: reboot',
    help: help(
      'reset [--force]',
      'Reboots the device.',
      '      --force         reboot even if the application would veto it\n',
    ),
    run: async (argv, ctx) => {
      const { values } = parse('reset', argv, { force: { type: 'boolean' } });
      await withDevice('reset', values, ({ client }) =>
        client.request(os.reset(flag(values['force']) ? { force: true } : {})),
      );
      if (ctx.json) printJson(ctx, { ok: true });
      else ctx.out('reset requested; the device reboots now\n');
      return EXIT.ok;
    },
  },
  erase: {
    summary: 'device: erase the secondary (or a given) slot',
    help: help(
      'erase [--slot N]',
      'Erases a slot (default: the one not running).',
      '      --slot N        which slot\n',
    ),
    run: async (argv, ctx) => {
      const { values } = parse('erase', argv, { slot: { type: 'string' } });
      const raw = str(values['slot']);
      const slot = raw === undefined ? undefined : parseBasedInt(raw, 'erase: --slot');
      await withDevice('erase', values, ({ client }) =>
        client.request(image.imageErase(slot), { timeoutMs: 60_000 }),
      );
      // What was uploaded to that slot is gone: an unfinished update's record no longer holds.
      const port = str(values['port']);
      if (port) {
        await cliCheckpointStore().delete(checkpointKey(serialIdentity(port), (slot ?? 1) >> 1));
      }
      if (ctx.json) printJson(ctx, { ok: true });
      else ctx.out('slot erased\n');
      return EXIT.ok;
    },
  },
};
