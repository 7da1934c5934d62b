/**
 * SMP operation, group and command numbers (research/protocols.md §2.1–2.2;
 * Zephyr mgmt_defines.h, os_mgmt.h, img_mgmt.h).
 * @module
 */

/** `nh_op`: what the frame is. */
export const Op = { READ: 0, READ_RSP: 1, WRITE: 2, WRITE_RSP: 3 } as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** `nh_version` bits: 0 = SMP v1 (legacy `rc` errors), 1 = SMP v2 (`err {group, rc}`). */
export const SmpVersion = { V1: 0, V2: 1 } as const;
export type SmpVersionBits = (typeof SmpVersion)[keyof typeof SmpVersion];

export const Group = {
  OS: 0,
  IMAGE: 1,
  STAT: 2,
  SETTINGS: 3,
  FS: 8,
  SHELL: 9,
  ENUM: 10,
  ZEPHYR_BASIC: 63,
} as const;

export const OsCommand = {
  ECHO: 0,
  CONS_ECHO_CTRL: 1,
  TASKSTAT: 2,
  MPSTAT: 3,
  DATETIME: 4,
  RESET: 5,
  MCUMGR_PARAMS: 6,
  INFO: 7,
  BOOTLOADER_INFO: 8,
} as const;

export const ImageCommand = {
  STATE: 0,
  UPLOAD: 1,
  FILE: 2,
  CORELIST: 3,
  CORELOAD: 4,
  ERASE: 5,
  SLOT_INFO: 6,
} as const;

const GROUP_NAMES: Record<number, string> = {
  0: 'OS',
  1: 'image',
  2: 'statistics',
  3: 'settings',
  8: 'file system',
  9: 'shell',
  10: 'enumeration',
  63: 'Zephyr basic',
};

export function groupName(group: number): string {
  return GROUP_NAMES[group] ?? (group >= 64 ? `user group ${group}` : `group ${group}`);
}

/** The response op for a request op: READ → READ_RSP, WRITE → WRITE_RSP (smp_make_rsp_hdr). */
export function responseOp(op: number): number {
  return op === Op.READ ? Op.READ_RSP : Op.WRITE_RSP;
}
