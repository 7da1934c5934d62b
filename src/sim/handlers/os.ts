/**
 * OS management (group 0) as Zephyr's os_mgmt.c answers it: echo, reset,
 * mcumgr params, info and bootloader info; other commands are absent (→ 8).
 * @module
 */
import { Group, MgmtErr, OsCommand, type CborMap } from '../../core/smp/index.ts';
import type { SmpServer } from '../server.ts';
import { textArg } from './args.ts';

/** The strings `info` prints, one per format letter (os_mgmt.c `os_mgmt_info`). */
export interface InfoStrings {
  /** `n`: hostname or Bluetooth device name, else "unknown". */
  readonly nodeName: string;
  /** `r`: BUILD_VERSION (git describe). */
  readonly release: string;
  /** `v`: KERNEL_VERSION_STRING. */
  readonly version: string;
  /** `b`: build date and time; null when MCUMGR_GRP_OS_INFO_BUILD_DATE_TIME is off (then `b` is not a valid letter). */
  readonly buildDateTime: string | null;
  /** `m`: CONFIG_ARCH. */
  readonly machine: string;
  /** `p`: processor name. */
  readonly processor: string;
  /** `i`: CONFIG_BOARD_TARGET. */
  readonly platform: string;
}

/**
 * One thread as taskstat reports it (os_mgmt.c `os_mgmt_taskstat_encode_one`):
 * keyed by its name (its priority when threads have no names), fields in
 * Zephyr's order; the stack fields only where the build reports them.
 */
export interface TaskInfo {
  readonly name: string;
  readonly prio: number;
  readonly tid: number;
  readonly state: number;
  readonly stksiz?: number;
  readonly stkuse?: number;
}

export interface OsConfig {
  readonly bufSize: number;
  readonly bufCount: number;
  /** Which optional commands are built in (Kconfig MCUMGR_GRP_OS_*). */
  readonly params: boolean;
  readonly info: InfoStrings | null;
  /** Bootloader info: the MCUboot mode number (os_mgmt.c), or null when the command is off. */
  readonly bootloaderMode: number | null;
  /** Task statistics (MCUMGR_GRP_OS_TASKSTAT), or null when the command is off. */
  readonly tasks: readonly TaskInfo[] | null;
  /** Echo without "d": the 4.x trees answer `{r: ""}`; a newer fix answers `{rc: 3}`. */
  readonly echoWithoutText: 'empty' | 'einval';
}

/** OS_MGMT_ERR codes used here. */
const OS_ERR = { INVALID_FORMAT: 2, QUERY_YIELDS_NO_ANSWER: 3 } as const;

/** os_mgmt_translate_error_code. */
export function translateOsError(rc: number): number {
  const table: Record<number, number> = {
    2: MgmtErr.EINVAL,
    3: MgmtErr.ENOENT,
    4: MgmtErr.ENOENT,
    5: MgmtErr.EUNKNOWN,
    6: MgmtErr.ENOENT,
    7: MgmtErr.ENOENT,
  };
  return table[rc] ?? MgmtErr.EUNKNOWN;
}

/** INFO_MAX_RESPONSE_SIZE 256 less the terminating NUL. */
const INFO_MAX = 255;

export function registerOs(server: SmpServer, config: OsConfig, reset: () => void): void {
  server.translation(Group.OS, translateOsError);
  const echo = server.register.bind(server, Group.OS, OsCommand.ECHO);
  const answerEcho = (body: CborMap) => {
    const d = textArg(body, 'd');
    if (d === undefined && config.echoWithoutText === 'einval') return { mgmt: MgmtErr.EINVAL };
    return { body: { r: d ?? '' } };
  };
  // The same function serves READ and WRITE.
  echo({ read: (r) => answerEcho(r.body()), write: (r) => answerEcho(r.body()) });

  server.register(Group.OS, OsCommand.RESET, {
    write: () => {
      // The payload is not decoded without RESET_HOOK; the reboot comes MCUMGR_GRP_OS_RESET_MS later.
      reset();
      return { body: {} };
    },
  });

  const tasks = config.tasks;
  if (tasks) {
    server.register(Group.OS, OsCommand.TASKSTAT, {
      read: () => ({
        body: {
          // A Map keeps the threads in Zephyr's order (thread list order).
          tasks: new Map(
            tasks.map(({ name, ...fields }) => [name, fields as Record<string, number>]),
          ),
        },
      }),
    });
  }

  if (config.params) {
    server.register(Group.OS, OsCommand.MCUMGR_PARAMS, {
      read: () => ({ body: { buf_size: config.bufSize, buf_count: config.bufCount } }),
    });
  }

  const info = config.info;
  if (info) {
    server.register(Group.OS, OsCommand.INFO, {
      read: (r) => {
        const format = textArg(r.body(), 'format') ?? '';
        const output = formatInfo(format, info);
        if (output === null) return { group: Group.OS, rc: OS_ERR.INVALID_FORMAT };
        if (output.length > INFO_MAX) return { mgmt: MgmtErr.EMSGSIZE };
        return { body: { output } };
      },
    });
  }

  const mode = config.bootloaderMode;
  if (mode !== null) {
    server.register(Group.OS, OsCommand.BOOTLOADER_INFO, {
      read: (r) => {
        const query = textArg(r.body(), 'query');
        if (query === undefined) return { body: { bootloader: 'MCUboot' } };
        if (query === 'mode') return { body: { mode } };
        return { group: Group.OS, rc: OS_ERR.QUERY_YIELDS_NO_ANSWER };
      },
    });
  }
}

/** The letters in the order info prints them; `a` is all of them. */
const LETTERS = ['s', 'n', 'r', 'v', 'b', 'm', 'p', 'i', 'o'] as const;

export function formatInfo(format: string, info: InfoStrings): string | null {
  const chosen = new Set<string>();
  for (const c of format) {
    if (c === 'a') {
      chosen.clear();
      for (const l of LETTERS) if (l !== 'b' || info.buildDateTime !== null) chosen.add(l);
    } else if (
      (LETTERS as readonly string[]).includes(c) &&
      (c !== 'b' || info.buildDateTime !== null)
    ) {
      chosen.add(c);
    } else {
      return null;
    }
  }
  if (chosen.size === 0) chosen.add('s');
  const text: Record<(typeof LETTERS)[number], string> = {
    s: 'Zephyr',
    n: info.nodeName,
    r: info.release,
    v: info.version,
    b: info.buildDateTime ?? '',
    m: info.machine,
    p: info.processor,
    i: info.platform,
    o: 'Zephyr',
  };
  return LETTERS.filter((l) => chosen.has(l))
    .map((l) => text[l])
    .join(' ');
}
