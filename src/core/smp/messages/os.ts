/**
 * OS group requests (research/protocols.md §2.6; Zephyr os_mgmt.c).
 * @module
 */
import { Group, Op, OsCommand } from '../ids.ts';
import type { SmpRequest } from '../request.ts';

export function echo(text: string): SmpRequest<string> {
  return {
    name: 'echo',
    op: Op.WRITE,
    group: Group.OS,
    command: OsCommand.ECHO,
    body: { d: text },
    parse: (a) => a.text('r'),
  };
}

/** Reboots the device after its answer; `force` overrides a reset hook's veto. */
export function reset(options: { force?: boolean } = {}): SmpRequest<void> {
  return {
    name: 'reset',
    op: Op.WRITE,
    group: Group.OS,
    command: OsCommand.RESET,
    body: options.force === undefined ? {} : { force: options.force },
    parse: () => undefined,
  };
}

export interface McumgrParams {
  /** Largest SMP frame the device takes (CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE). */
  readonly bufSize: number;
  /** Number of such buffers (NETBUF_COUNT): bounds the requests in flight. */
  readonly bufCount: number;
}

export function mcumgrParams(): SmpRequest<McumgrParams> {
  return {
    name: 'mcumgr parameters query',
    op: Op.READ,
    group: Group.OS,
    command: OsCommand.MCUMGR_PARAMS,
    body: {},
    parse: (a) => ({ bufSize: a.uint('buf_size'), bufCount: a.uint('buf_count') }),
  };
}

/**
 * `uname`-style information; `format` letters: s kernel, n node, r release,
 * v version, b build date, m machine, p processor, i platform (board), o OS,
 * or "a" for all.
 */
export function info(format?: string): SmpRequest<string> {
  return {
    name: 'information query',
    op: Op.READ,
    group: Group.OS,
    command: OsCommand.INFO,
    body: format === undefined ? {} : { format },
    parse: (a) => a.text('output'),
  };
}

export function bootloaderName(): SmpRequest<string> {
  return {
    name: 'bootloader query',
    op: Op.READ,
    group: Group.OS,
    command: OsCommand.BOOTLOADER_INFO,
    body: {},
    parse: (a) => a.text('bootloader'),
  };
}

/** MCUboot's `enum mcuboot_mode` (boot_status.h); -1 when the device does not know. */
export const MCUBOOT_MODES: Readonly<Record<number, string>> = {
  [-1]: 'unknown',
  0: 'single slot',
  1: 'swap using scratch',
  2: 'overwrite only',
  3: 'swap using move',
  4: 'direct XIP',
  5: 'direct XIP with revert',
  6: 'RAM load',
  7: 'firmware loader',
  8: 'single slot RAM load',
  9: 'swap using offset',
};

export interface BootloaderMode {
  readonly mode: number;
  readonly modeName: string;
  /** Set when MCUboot refuses downgrades (`MCUBOOT_DOWNGRADE_PREVENTION`). */
  readonly noDowngrade: boolean;
}

export function bootloaderMode(): SmpRequest<BootloaderMode> {
  return {
    name: 'bootloader mode query',
    op: Op.READ,
    group: Group.OS,
    command: OsCommand.BOOTLOADER_INFO,
    body: { query: 'mode' },
    parse: (a) => {
      const mode = a.int('mode');
      return {
        mode,
        modeName: MCUBOOT_MODES[mode] ?? `mode ${mode}`,
        noDowngrade: a.flag('no-downgrade'),
      };
    },
  };
}
