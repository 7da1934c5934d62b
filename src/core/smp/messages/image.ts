/**
 * Image group requests (research/protocols.md §2.5; Zephyr img_mgmt.c,
 * img_mgmt_state.c; MCUboot boot_serial.c).
 * @module
 */
import type { ImageVersion } from '../../image/version.ts';
import { Group, ImageCommand, Op } from '../ids.ts';
import type { SmpRequest } from '../request.ts';
import { SmpShapeError, type Fields } from '../shape.ts';

export interface ImageSlotState {
  /** Image number; Zephyr omits it when the device has one updatable image. */
  readonly image: number;
  readonly slot: number;
  /** As the device reports it: `1.2.3`, or `1.2.3.4` with a build number. */
  readonly version: string;
  /** The image's SHA256 TLV value (not a hash of the file); absent on some MCUboot serial builds. */
  readonly hash: Uint8Array | undefined;
  readonly bootable: boolean;
  readonly pending: boolean;
  readonly confirmed: boolean;
  readonly active: boolean;
  readonly permanent: boolean;
}

export interface ImageStateList {
  readonly images: readonly ImageSlotState[];
  readonly splitStatus: number | undefined;
}

function readState(a: Fields): ImageStateList {
  return {
    images: a.maps('images').map((s) => ({
      image: s.optUint('image') ?? 0,
      slot: s.uint('slot'),
      version: s.text('version'),
      hash: s.optBytes('hash'),
      bootable: s.flag('bootable'),
      pending: s.flag('pending'),
      confirmed: s.flag('confirmed'),
      active: s.flag('active'),
      permanent: s.flag('permanent'),
    })),
    splitStatus: a.optUint('splitStatus'),
  };
}

export function imageState(): SmpRequest<ImageStateList> {
  return {
    name: 'image list',
    op: Op.READ,
    group: Group.IMAGE,
    command: ImageCommand.STATE,
    body: {},
    parse: readState,
  };
}

function checkHash(hash: Uint8Array): Uint8Array {
  // Zephyr's state write accepts exactly the 32-byte SHA256 TLV value (img_mgmt_state_write).
  if (hash.length !== 32)
    throw new RangeError(`an image hash is 32 bytes (its SHA256 TLV), not ${hash.length}`);
  return hash;
}

/** Marks the image with this hash for a one-time test boot at the next reset. */
export function imageTest(hash: Uint8Array): SmpRequest<ImageStateList> {
  return {
    name: 'image test request',
    op: Op.WRITE,
    group: Group.IMAGE,
    command: ImageCommand.STATE,
    body: { hash: checkHash(hash), confirm: false },
    parse: readState,
  };
}

/** Confirms the image with this hash (permanent), or without a hash the running image. */
export function imageConfirm(hash?: Uint8Array): SmpRequest<ImageStateList> {
  return {
    name: 'image confirm request',
    op: Op.WRITE,
    group: Group.IMAGE,
    command: ImageCommand.STATE,
    body: hash === undefined ? { confirm: true } : { hash: checkHash(hash), confirm: true },
    parse: readState,
  };
}

export interface UploadAnswer {
  /** The offset the device expects next: the truth about what it has. */
  readonly off: number;
  /** On the last chunk, with CONFIG_IMG_ENABLE_IMAGE_CHECK: whether the slot matches `sha`. */
  readonly match: boolean | undefined;
}

function readUpload(a: Fields): UploadAnswer {
  return { off: a.uint('off'), match: a.optBool('match') };
}

export interface FirstChunk {
  readonly image?: number;
  /** Total image size. */
  readonly len: number;
  /** SHA-256 of the whole upload (≤ 32 bytes); lets Zephyr resume a matching upload. */
  readonly sha?: Uint8Array;
  readonly data: Uint8Array;
  /** Refuse unless newer than the running image (Zephyr `upgrade`). */
  readonly upgrade?: boolean;
}

/** The chunk at offset 0: carries `len` (and `sha`); Zephyr needs ≥ 32 bytes of data in it. */
export function uploadFirst(chunk: FirstChunk): SmpRequest<UploadAnswer> {
  if (chunk.sha && chunk.sha.length > 32)
    throw new RangeError('the upload sha is at most 32 bytes');
  const body: Record<string, number | boolean | Uint8Array> = {
    off: 0,
    len: chunk.len,
    data: chunk.data,
  };
  if (chunk.image !== undefined) body['image'] = chunk.image;
  if (chunk.sha !== undefined) body['sha'] = chunk.sha;
  if (chunk.upgrade !== undefined) body['upgrade'] = chunk.upgrade;
  return {
    name: 'image upload',
    op: Op.WRITE,
    group: Group.IMAGE,
    command: ImageCommand.UPLOAD,
    body,
    parse: readUpload,
  };
}

export function uploadNext(off: number, data: Uint8Array): SmpRequest<UploadAnswer> {
  return {
    name: 'image upload',
    op: Op.WRITE,
    group: Group.IMAGE,
    command: ImageCommand.UPLOAD,
    body: { off, data },
    parse: readUpload,
  };
}

/** Erases a slot (default: the one not running). */
export function imageErase(slot?: number): SmpRequest<void> {
  return {
    name: 'slot erase',
    op: Op.WRITE,
    group: Group.IMAGE,
    command: ImageCommand.ERASE,
    body: slot === undefined ? {} : { slot },
    parse: () => undefined,
  };
}

export interface SlotInfo {
  readonly image: number;
  readonly slots: readonly {
    readonly slot: number;
    readonly size: number;
    readonly uploadImageId: number | undefined;
  }[];
  readonly maxImageSize: number | undefined;
}

export function slotInfo(): SmpRequest<SlotInfo[]> {
  return {
    name: 'slot information query',
    op: Op.READ,
    group: Group.IMAGE,
    command: ImageCommand.SLOT_INFO,
    body: {},
    parse: (a) =>
      a.maps('images').map((img) => ({
        image: img.uint('image'),
        slots: img.maps('slots').map((s) => ({
          slot: s.uint('slot'),
          size: s.uint('size'),
          uploadImageId: s.optUint('upload_image_id'),
        })),
        maxImageSize: img.optUint('max_image_size'),
      })),
  };
}

/** Parses a device version string, `maj.min.rev` or `maj.min.rev.build` (img_mgmt_ver_str). */
export function parseDeviceVersion(text: string): ImageVersion {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})(?:\.(\d{1,10}))?$/.exec(text);
  const v = m && {
    major: Number(m[1]),
    minor: Number(m[2]),
    revision: Number(m[3]),
    build: Number(m[4] ?? 0),
  };
  if (!v || v.major > 255 || v.minor > 255 || v.revision > 0xffff || v.build > 0xffffffff) {
    throw new SmpShapeError('image list', `"${text}" is not an image version`);
  }
  return v;
}
