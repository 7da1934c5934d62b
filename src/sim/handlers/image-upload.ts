/**
 * Image upload and erase as Zephyr's img_mgmt does them (img_mgmt.c
 * `img_mgmt_upload`, `img_mgmt_erase`; zephyr_img_mgmt.c
 * `img_mgmt_upload_inspect`; research/protocols.md §2.5). The upload state is
 * in RAM only: a reboot or power loss forgets it, so the next `off = 0`
 * starts over.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, readU32LE } from '../../core/bytes.ts';
import {
  compareVersions,
  decodeHeader,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
} from '../../core/image/index.ts';
import { Group, type CborMap } from '../../core/smp/index.ts';
import { FlashError } from '../flash.ts';
import type { Answer, SmpRequestIn } from '../server.ts';
import { boolArg, bytesArg, uintArg } from './args.ts';
import type { ImageModel } from './image-model.ts';
import { ImgErr } from './slot-read.ts';

/** BOOT_MAX_ALIGN 8: where the trailer's last field starts, back from the end (img_mgmt_erase_image_data). */
const TRAILER_STATUS_FROM_END = 32;
const SHA_LEN = 32;

interface UploadState {
  slot: number;
  off: number;
  size: number;
  sha: Uint8Array;
  /** Bytes received but not yet written: less than one flash write block (flash_img_buffered_write). */
  pending: Uint8Array;
}

/** What an upload answer may be bent into by a fault. */
export type ReportOffset = (right: number) => number;

export class Uploader {
  #state: UploadState | null = null;

  constructor(
    private readonly model: ImageModel,
    private readonly reportOffset: ReportOffset = (off) => off,
  ) {}

  /** img_mgmt_reset_upload: a reboot, an error, or the end of an upload. */
  reset(): void {
    this.#state = null;
  }

  /** Where the upload stands (for tests and the demo's display). */
  get progress(): { slot: number; off: number; size: number } | null {
    const s = this.#state;
    return s && { slot: s.slot, off: s.off, size: s.size };
  }

  upload(request: SmpRequestIn): Answer {
    const body = request.body();
    const image = uintArg(body, 'image') ?? 0;
    const data = bytesArg(body, 'data') ?? new Uint8Array();
    const len = uintArg(body, 'len');
    const off = uintArg(body, 'off');
    const sha = bytesArg(body, 'sha') ?? new Uint8Array();
    const upgrade = boolArg(body, 'upgrade') ?? false;
    const fail = (rc: number): Answer => {
      this.reset();
      return { group: Group.IMAGE, rc };
    };
    if (off === undefined) return fail(ImgErr.INVALID_OFFSET);

    if (off !== 0) {
      const s = this.#state;
      // A chunk at another offset than expected: tell the client where the device is (success).
      if (!s || off !== s.off) return this.#answer({ off: s?.off ?? 0 });
      if (off + data.length > s.size) return fail(ImgErr.INVALID_IMAGE_DATA_OVERRUN);
      return this.#write(s, data, request, fail);
    }

    if (data.length < IMAGE_HEADER_SIZE) return fail(ImgErr.INVALID_IMAGE_HEADER);
    if (len === undefined) return fail(ImgErr.INVALID_LENGTH);
    if (readU32LE(data, 0) !== IMAGE_MAGIC) return fail(ImgErr.INVALID_IMAGE_HEADER_MAGIC);
    if (sha.length > SHA_LEN) return fail(ImgErr.INVALID_HASH);
    const resumed = this.#state;
    if (sha.length > 0 && resumed && equalBytes(resumed.sha, sha))
      return this.#answer({ off: resumed.off });

    const slot = this.#freeSlot(image);
    if (slot < 0) return fail(ImgErr.NO_FREE_SLOT);
    const area = this.model.area(slot);
    if (!area) return fail(ImgErr.INVALID_SLOT);
    if (len > area.size) return fail(ImgErr.INVALID_IMAGE_TOO_LARGE);
    if (upgrade) {
      const running = this.model.read(this.model.activeSlot(slot >> 1));
      if (!running.ok) return fail(ImgErr.VERSION_GET_FAILED);
      if (compareVersions(running.version, decodeHeader(data).version) >= 0) {
        return fail(ImgErr.CURRENT_VERSION_IS_NEWER);
      }
    }
    const flash = this.model.boot.flash;
    const state: UploadState = {
      slot,
      off: 0,
      size: len,
      sha: Uint8Array.from(sha),
      pending: new Uint8Array(),
    };
    this.#state = state;
    if (this.model.options.imageCheck && sha.length === SHA_LEN && len <= area.size) {
      if (equalBytes(sha256(flash.view(area.offset, len)), sha)) {
        this.reset();
        return { body: { off: len, match: true } };
      }
    }
    if (!flash.isErased(area.offset, area.size)) request.spend(this.#eraseImageData(area, len));
    return this.#write(state, data, request, fail);
  }

  /** img_mgmt_get_unused_slot_area_id: the secondary slot of the image, unless it is in use. */
  #freeSlot(image: number): number {
    if (this.model.images === 1) {
      for (const slot of [0, 1]) if (!this.model.inUse(slot)) return slot;
      return -1;
    }
    if (image >= this.model.images) return -1;
    const slot = this.model.activeSlot(image) ^ 1;
    return this.model.inUse(slot) ? -1 : slot;
  }

  /** img_mgmt_erase_image_data: the pages the image will occupy, and the trailer's page. */
  #eraseImageData(area: { offset: number; size: number }, len: number): number {
    const flash = this.model.boot.flash;
    const page = flash.geometry.sectorSize;
    const imageEnd = Math.ceil(len / page) * page;
    let ms = flash.erase(area.offset, Math.max(page, imageEnd));
    const trailerPage = Math.floor((area.size - TRAILER_STATUS_FROM_END) / page) * page;
    if (trailerPage >= imageEnd)
      ms += flash.erase(area.offset + trailerPage, area.size - trailerPage);
    return ms;
  }

  #write(
    s: UploadState,
    data: Uint8Array,
    request: SmpRequestIn,
    fail: (rc: number) => Answer,
  ): Answer {
    const flash = this.model.boot.flash;
    const area = this.model.area(s.slot);
    if (!area) return fail(ImgErr.INVALID_SLOT);
    const align = flash.geometry.writeAlign;
    const last = s.off + data.length === s.size;
    // Stream-flash style: write whole blocks now, keep the tail for the next chunk; pad at the end.
    const joined = new Uint8Array(s.pending.length + data.length);
    joined.set(s.pending);
    joined.set(data, s.pending.length);
    const writeAt = s.off - s.pending.length;
    const whole = last ? joined.length : joined.length - (joined.length % align);
    const block = new Uint8Array(Math.ceil(whole / align) * align).fill(flash.geometry.erasedValue);
    block.set(joined.subarray(0, whole));
    try {
      if (block.length > 0) request.spend(flash.write(area.offset + writeAt, block));
    } catch (error) {
      if (error instanceof FlashError) return fail(ImgErr.FLASH_WRITE_FAILED);
      throw error;
    }
    s.pending = joined.slice(whole);
    s.off += data.length;
    if (s.off !== s.size) return this.#answer({ off: s.off });
    const match = this.model.options.imageCheck
      ? { match: equalBytes(sha256(flash.view(area.offset, s.size)), padSha(s.sha)) }
      : {};
    this.reset();
    return this.#answer({ off: s.off, ...match });
  }

  #answer(body: { off: number } & CborMap): Answer {
    return { body: { ...body, off: this.reportOffset(body.off) } };
  }

  /** img_mgmt_erase: the whole slot, unless it holds a valid image that is in use. */
  erase(request: SmpRequestIn): Answer {
    const slot = uintArg(request.body(), 'slot') ?? 1;
    const info = this.model.read(slot);
    if (info.ok && this.model.inUse(slot)) return { group: Group.IMAGE, rc: ImgErr.NO_FREE_SLOT };
    const area = this.model.area(slot);
    this.reset();
    // No flash area for that slot: flash_area_open fails (seen on Zephyr 4.4.0).
    if (!area) return { group: Group.IMAGE, rc: ImgErr.FLASH_OPEN_FAILED };
    const flash = this.model.boot.flash;
    if (!flash.isErased(area.offset, area.size)) request.spend(flash.erase(area.offset, area.size));
    return { body: {} };
  }
}

function padSha(sha: Uint8Array): Uint8Array {
  const out = new Uint8Array(SHA_LEN);
  out.set(sha.subarray(0, SHA_LEN));
  return out;
}
