/**
 * SMP error codes and the typed error a device's refusal becomes. Codes and
 * names: Zephyr mgmt_defines.h (`MGMT_ERR_*`), img_mgmt.h (`IMG_MGMT_ERR_*`),
 * os_mgmt.h (`OS_MGMT_ERR_*`); research/protocols.md §2.4. Each has a sentence
 * for the person holding the device.
 * @module
 */
import { FieldflashError } from '../errors.ts';
import { Group, groupName } from './ids.ts';

type CodeTable = Readonly<Record<number, readonly [name: string, sentence: string]>>;

/** SMP v1 `rc` values, shared by every group. */
export const MGMT_ERR: CodeTable = {
  0: ['EOK', 'no error'],
  1: ['EUNKNOWN', 'the device reported an unspecified error'],
  2: ['ENOMEM', 'the device ran out of memory'],
  3: ['EINVAL', 'the device found the request invalid'],
  4: ['ETIMEOUT', 'the device timed out while handling the request'],
  5: [
    'ENOENT',
    'the device has no such item (for example no image in that slot, or a file that is not a signed MCUboot image)',
  ],
  6: [
    'EBADSTATE',
    'the device is in the wrong state for this (for example an image is already pending)',
  ],
  7: ['EMSGSIZE', "the answer would not fit in the device's buffer"],
  8: ['ENOTSUP', 'the device does not support this command'],
  9: ['ECORRUPT', 'the device received a corrupted request'],
  10: ['EBUSY', 'the device is busy; try again in a moment'],
  11: ['EACCESSDENIED', 'the device refused access (it may need pairing or authentication)'],
  12: ['UNSUPPORTED_TOO_OLD', 'the device does not accept this old SMP protocol version'],
  13: ['UNSUPPORTED_TOO_NEW', 'the device only speaks an older SMP protocol version'],
};

/** SMP v2 `err.rc` values of the image group (1). */
export const IMG_MGMT_ERR: CodeTable = {
  0: ['OK', 'no error'],
  1: ['UNKNOWN', 'the device reported an unspecified image error'],
  2: ['FLASH_CONFIG_QUERY_FAIL', 'the device could not read its flash configuration'],
  3: ['NO_IMAGE', 'there is no image in that slot'],
  4: ['NO_TLVS', 'the image has no TLVs: it is not a signed MCUboot image'],
  5: ['INVALID_TLV', 'the image has an invalid TLV'],
  6: ['TLV_MULTIPLE_HASHES_FOUND', 'the image has several hash TLVs'],
  7: ['TLV_INVALID_SIZE', 'the image has a TLV of the wrong size'],
  8: ['HASH_NOT_FOUND', 'no image with that hash is on the device'],
  9: [
    'NO_FREE_SLOT',
    'no free slot: a pending or test image occupies it (confirm, reset or erase first)',
  ],
  10: ['FLASH_OPEN_FAILED', 'the device could not open its flash'],
  11: ['FLASH_READ_FAILED', 'the device could not read its flash'],
  12: ['FLASH_WRITE_FAILED', 'the device could not write its flash'],
  13: ['FLASH_ERASE_FAILED', 'the device could not erase its flash'],
  14: ['INVALID_SLOT', 'there is no such slot'],
  15: ['NO_FREE_MEMORY', 'the device ran out of memory'],
  16: ['FLASH_CONTEXT_ALREADY_SET', 'the device is already writing another image'],
  17: ['FLASH_CONTEXT_NOT_SET', 'the device has no upload in progress'],
  18: ['FLASH_AREA_DEVICE_NULL', 'the flash area has no device'],
  19: ['INVALID_PAGE_OFFSET', 'the flash page offset is invalid'],
  20: ['INVALID_OFFSET', 'the upload offset is missing or invalid'],
  21: ['INVALID_LENGTH', 'the upload length is missing or invalid'],
  22: ['INVALID_IMAGE_HEADER', 'the first upload chunk is too short to hold the image header'],
  23: [
    'INVALID_IMAGE_HEADER_MAGIC',
    'the uploaded data does not start with an MCUboot image header',
  ],
  24: ['INVALID_HASH', 'the hash given is invalid'],
  25: ['INVALID_FLASH_ADDRESS', 'the image is built for another flash address'],
  26: ['VERSION_GET_FAILED', 'the device could not read the running version'],
  27: [
    'CURRENT_VERSION_IS_NEWER',
    'the device runs the same or a newer version, so it refused the upgrade',
  ],
  28: ['IMAGE_ALREADY_PENDING', 'another image is already pending'],
  29: ['INVALID_IMAGE_VECTOR_TABLE', 'the image has an invalid vector table'],
  30: ['INVALID_IMAGE_TOO_LARGE', 'the image is too large for the slot'],
  31: ['INVALID_IMAGE_DATA_OVERRUN', 'the upload sent more data than the announced length'],
  32: ['IMAGE_CONFIRMATION_DENIED', 'the device refused to confirm that image'],
  33: [
    'IMAGE_SETTING_TEST_TO_ACTIVE_DENIED',
    'that image is already running, so it cannot be marked for test',
  ],
  34: ['ACTIVE_SLOT_NOT_KNOWN', 'the device does not know which slot is active'],
};

/** SMP v2 `err.rc` values of the OS group (0). */
export const OS_MGMT_ERR: CodeTable = {
  0: ['OK', 'no error'],
  1: ['UNKNOWN', 'the device reported an unspecified error'],
  2: ['INVALID_FORMAT', 'the request format is invalid'],
  3: ['QUERY_YIELDS_NO_ANSWER', 'the device has no answer to that query'],
  4: ['RTC_NOT_SET', "the device's clock is not set"],
  5: ['RTC_COMMAND_FAILED', 'the clock command failed'],
  6: ['QUERY_RESPONSE_VALUE_NOT_VALID', 'the device has no valid value for that query'],
};

export const MgmtErr = {
  EOK: 0,
  EUNKNOWN: 1,
  ENOMEM: 2,
  EINVAL: 3,
  ETIMEOUT: 4,
  ENOENT: 5,
  EBADSTATE: 6,
  EMSGSIZE: 7,
  ENOTSUP: 8,
  ECORRUPT: 9,
  EBUSY: 10,
  EACCESSDENIED: 11,
  UNSUPPORTED_TOO_OLD: 12,
  UNSUPPORTED_TOO_NEW: 13,
} as const;

export const ImgMgmtErr = Object.fromEntries(
  Object.entries(IMG_MGMT_ERR).map(([code, [name]]) => [name, Number(code)]),
) as Readonly<Record<string, number>>;

const GROUP_TABLES: Readonly<Record<number, CodeTable>> = {
  [Group.OS]: OS_MGMT_ERR,
  [Group.IMAGE]: IMG_MGMT_ERR,
};

export interface SmpErrorDetail {
  /** `v1`: a `{rc}` answer (MGMT_ERR codes); `v2`: an `{err: {group, rc}}` answer (group codes). */
  readonly style: 'v1' | 'v2';
  /** The group whose code table `rc` is from (for v1, the request's group). */
  readonly group: number;
  readonly rc: number;
  /** The request that was refused, e.g. "image upload". */
  readonly request: string;
  /** `rsn`: the device's own explanation, when it sends one. */
  readonly deviceReason?: string;
}

export function errorName(style: 'v1' | 'v2', group: number, rc: number): string {
  const table = style === 'v1' ? MGMT_ERR : GROUP_TABLES[group];
  return table?.[rc]?.[0] ?? (rc >= 256 ? `user error ${rc}` : `code ${rc}`);
}

export function errorSentence(style: 'v1' | 'v2', group: number, rc: number): string {
  const table = style === 'v1' ? MGMT_ERR : GROUP_TABLES[group];
  return table?.[rc]?.[1] ?? 'the device reported an error fieldflash does not know';
}

/** The device answered, and said no. */
export class SmpDeviceError extends FieldflashError {
  readonly code = 'device-error';
  /** The code's name, e.g. `NO_FREE_SLOT` or `EBUSY`. */
  readonly errorName: string;

  constructor(readonly detail: SmpErrorDetail) {
    const name = errorName(detail.style, detail.group, detail.rc);
    const where =
      detail.style === 'v1' ? `rc ${detail.rc}` : `${groupName(detail.group)} error ${detail.rc}`;
    const said = detail.deviceReason ? ` ("${detail.deviceReason}")` : '';
    super(
      `The device refused the ${detail.request}: ${errorSentence(detail.style, detail.group, detail.rc)}${said} (${where}, ${name}).`,
    );
    this.errorName = name;
  }

  get rc(): number {
    return this.detail.rc;
  }
  /** True for an `{rc: 10}` / EBUSY answer: worth retrying after a pause. */
  get busy(): boolean {
    return this.detail.style === 'v1' && this.detail.rc === MgmtErr.EBUSY;
  }
}
