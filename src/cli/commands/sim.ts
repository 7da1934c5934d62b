/**
 * `fieldflash sim --pty LINK`: the simulated device on a pseudo-terminal, in
 * real time, so that any SMP client (fieldflash itself, mcumgr, smpmgr) can
 * drive it as a serial device. socat makes the pty pair: LINK is the end the
 * client opens, the other end is wired to the device's serial link.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadStream, WriteStream } from 'node:tty';
import { readImageFile, signImage } from '../../core/image/index.ts';
import {
  deviceProfile,
  PROFILE_NAMES,
  SimSerialLink,
  SimulatedDevice,
  type ProfileName,
} from '../../sim/index.ts';
import { parseBasedInt, parseCommandArgs, str, strs } from '../args.ts';
import { printJson, type CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { readInput } from '../io.ts';
import { loadTrustedKey } from '../keys.ts';
import { FAULT_SPEC_HELP, parseFaultSpec } from '../sim-fault-spec.ts';
import { FieldflashError } from '../../core/errors.ts';

const SERIAL_PROFILES = PROFILE_NAMES.filter((p) => deviceProfile(p).serial !== null);

export const SIM_HELP = `usage: fieldflash sim --pty LINK [options]

Runs a simulated Zephyr + MCUboot device on a pseudo-terminal (made with socat)
until Ctrl-C; any SMP client can open LINK as its serial port.
      --pty LINK       path of the pty link to create (removed again on exit)
      --profile NAME   ${SERIAL_PROFILES.join(', ')} (default zephyr-qemu-mcuboot)
  -k, --key FILE       public key the simulated MCUboot trusts (repeatable; none = hash only)
      --image FILE     image to install in the primary slot; the device then boots through
                       MCUboot (without: the app just runs, with an empty primary slot)
      --fault SPEC     inject a fault (repeatable; see below)
      --seed N         seed for corruptions and tears (default 1)
Device events and injected faults are logged on stderr (JSON lines with --json).
${FAULT_SPEC_HELP}
exit: 0 stopped by Ctrl-C/SIGTERM, 1 the device did not boot, 2 usage or pty failure`;

/** The pty has gone away or could not be made. */
export class PtyError extends FieldflashError {
  readonly code = 'pty';
}

export async function simCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('sim', argv, {
    pty: { type: 'string' },
    profile: { type: 'string' },
    key: { type: 'string', short: 'k', multiple: true },
    image: { type: 'string' },
    fault: { type: 'string', multiple: true },
    seed: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`sim: unexpected argument "${positionals[0]}"`);
  const link = str(values['pty']);
  if (!link)
    throw new UsageError('sim: --pty LINK is required (the path the SMP client will open)');
  const profileName = str(values['profile']) ?? 'zephyr-qemu-mcuboot';
  if (!(SERIAL_PROFILES as readonly string[]).includes(profileName)) {
    throw new UsageError(
      `sim: --profile must be one of ${SERIAL_PROFILES.join(', ')} (a device with a serial link)`,
    );
  }
  const faults = strs(values['fault']).map(parseFaultSpec);
  const seed = str(values['seed']);
  const keys = await Promise.all(strs(values['key']).map(loadTrustedKey));
  const imagePath = str(values['image']);
  const image = imagePath ? readImageFile(await readInput(imagePath)).bytes : null;
  if (spawnSync('socat', ['-V']).status !== 0) {
    throw new PtyError('sim: needs socat to make the pty (Debian/Ubuntu: apt-get install socat)');
  }

  const base = deviceProfile(profileName as ProfileName, keys);
  const device = new SimulatedDevice({
    ...base,
    ...(seed ? { seed: parseBasedInt(seed, 'sim: --seed') } : {}),
  });
  const log = (what: string, detail: string) => {
    ctx.err(
      ctx.json
        ? JSON.stringify({ at: new Date().toISOString(), what, detail }) + '\n'
        : `[${what}] ${detail}\n`,
    );
  };
  device.onEvent = (e) => log(e.what, e.detail);
  device.faults.onInjected = (f) => log(`fault ${f.kind}`, f.detail);
  for (const f of faults) device.faults.add(f);

  if (image) {
    device.install(image, { slot: 'primary' });
    const state = await device.powerOn();
    if (state !== 'running') {
      ctx.err(
        `fieldflash sim: the device did not boot: ${device.bootLog.at(-1)?.failure ?? state}\n`,
      );
      device.dispose();
      return EXIT.rejected;
    }
  } else if (keys.length === 0) {
    // Like the Zephyr fixtures: a v0.0.0 app in the primary slot, which the
    // hash-only bootloader boots again after every reset.
    device.install(await placeholderImage(device.config.slotSize), { slot: 'primary' });
    await device.powerOn();
  } else {
    device.startApp();
    ctx.err(
      'note: no --image: the primary slot is empty, so after a reset MCUboot only boots an image you uploaded and marked for test\n',
    );
  }

  const pty = await openPtyPair(link);
  let current: SimSerialLink | null = null;
  const attach = () => {
    if (current?.open) return;
    const l = new SimSerialLink(device);
    l.onBytes = (bytes) => pty.output.write(bytes);
    l.onLost = () => {
      if (current === l) current = null;
    };
    device.connected(l);
    current = l;
  };
  attach();
  // A USB CDC device comes back as a new port after a reset: wire it up again.
  const onEvent = device.onEvent;
  device.onEvent = (e) => {
    onEvent(e);
    if (e.what === 'booted') attach();
  };
  pty.input.on('data', (chunk: Buffer) => {
    // The host writing again after the device dropped the link (a disconnect
    // fault) is a client that reopened the port: connect it.
    if (!current?.open && device.listening()) attach();
    void current?.hostBytes(new Uint8Array(chunk));
  });

  // An emulator's UART (the qemu profile) is not limited by a wire: no finite capacity.
  const capacity = device.capacity().serial?.toDevice ?? 0;
  const capacityText = Number.isFinite(capacity)
    ? `link capacity ${(capacity / 1000).toFixed(1)} kB/s`
    : 'link not limited by a wire (emulated UART)';
  const summary = {
    pty: link,
    profile: profileName,
    name: device.name,
    bufSize: device.config.bufSize,
    bufCount: device.config.bufCount,
    capacityBytesPerSecond: Number.isFinite(capacity) ? Math.round(capacity) : null,
    faults: strs(values['fault']),
  };
  if (ctx.json) printJson(ctx, summary);
  else {
    ctx.out(
      `simulated device "${device.name}" (${profileName}) on ${link}: buffers ${summary.bufSize} × ${summary.bufCount}, ` +
        `${capacityText}${faults.length ? `, ${faults.length} fault(s) armed` : ''}; Ctrl-C to stop\n`,
    );
  }

  const reason = await new Promise<'signal' | 'socat'>((resolve) => {
    const stop = () => resolve('signal');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    pty.socat.once('exit', () => resolve('socat'));
  });
  device.dispose();
  pty.close();
  if (reason === 'socat') throw new PtyError('sim: the pty went away (socat exited)');
  return EXIT.ok;
}

/** An unsigned v0.0.0 image (16 KiB of zeros): boots on a bootloader without keys. */
async function placeholderImage(slotSize: number): Promise<Uint8Array> {
  const signed = await signImage(new Uint8Array(16 * 1024), null, {
    version: { major: 0, minor: 0, revision: 0, build: 0 },
    headerSize: 0x200,
    padHeader: true,
    slotSize,
  });
  return signed.image;
}

interface PtyPair {
  readonly input: ReadStream;
  readonly output: WriteStream;
  readonly socat: ChildProcess;
  close(): void;
}

/** A pty pair by socat: `link` for the client, a private end for the device. */
async function openPtyPair(link: string): Promise<PtyPair> {
  if (existsSync(link))
    throw new PtyError(`sim: ${link} already exists; choose another --pty path or remove it`);
  const dir = mkdtempSync(join(tmpdir(), 'fieldflash-sim-'));
  const devicePath = join(dir, 'device');
  const socat = spawn(
    'socat',
    [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${link}`],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 300 && !(existsSync(devicePath) && existsSync(link)); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!existsSync(devicePath) || !existsSync(link)) {
    socat.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new PtyError(`sim: socat could not create the pty at ${link} (is the folder writable?)`);
  }
  const fd = openSync(devicePath, 'r+');
  const input = new ReadStream(fd);
  input.setRawMode(true);
  const output = new WriteStream(fd);
  input.on('error', () => undefined);
  output.on('error', () => undefined);
  return {
    input,
    output,
    socat,
    close() {
      input.destroy();
      output.destroy();
      socat.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
