/**
 * The MCUboot bootloader of the simulated device (spec: MCUboot loader.c,
 * bootutil_public.c, swap_move.c; summarised in /docs of the simulator tests):
 * image trailers at the end of each slot, the swap-type decision table,
 * validation of the new image with the bootloader's own keys (core/image),
 * swap with revert (swap-using-move's observable behaviour) or overwrite-only,
 * and the app-side calls that mark an image pending or confirmed.
 * @module
 */
import { equalBytes } from '../core/bytes.ts';
import {
  compareVersions,
  decodeHeader,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  ImageFlag,
  parseImage,
  verifyImage,
  type SubtleLike,
} from '../core/image/index.ts';
import { bootMagic } from '../core/image/trailer.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import type { Flash } from './flash.ts';

export interface Area {
  readonly offset: number;
  readonly size: number;
}

export interface ImageSlots {
  readonly primary: Area;
  readonly secondary: Area;
}

export type UpgradeMode = 'swap' | 'overwrite-only';

export interface BootloaderConfig {
  readonly mode: UpgradeMode;
  /** The keys compiled into the bootloader; empty = built without signature checks (hash only). */
  readonly keys: readonly TrustedKey[];
  /** MCUBOOT_VALIDATE_PRIMARY_SLOT (Zephyr default y). */
  readonly validatePrimary: boolean;
  /** MCUBOOT_DOWNGRADE_PREVENTION (default n): refuse a lower version. */
  readonly downgradePrevention: boolean;
}

export type Magic = 'good' | 'unset' | 'bad';
export type Flag = 'set' | 'unset' | 'bad';
export type SwapType = 'none' | 'test' | 'perm' | 'revert';

export interface TrailerState {
  readonly magic: Magic;
  readonly imageOk: Flag;
  readonly copyDone: Flag;
  /** Swap type recorded in swap_info (not part of the decision). */
  readonly swapInfo: number;
}

/** BOOT_MAX_ALIGN 8: field offsets back from the end of the slot (bootutil_misc.h). */
const MAX_ALIGN = 8;
const OFF = { magic: 16, imageOk: 24, copyDone: 32, swapInfo: 40, swapSize: 48 } as const;
const SWAP_CODE: Record<SwapType, number> = { none: 1, test: 2, perm: 3, revert: 4 };

/** MCUboot's boot_set_next return codes. */
export const BOOT_EBADIMAGE = 3;
export const BOOT_EBADVECT = 4;

export interface ImageBootResult {
  readonly image: number;
  readonly decision: SwapType;
  /** What happened: booted the same image, swapped, reverted, or refused the new one (and why). */
  readonly action: 'none' | 'swapped' | 'reverted' | 'copied' | 'rejected';
  readonly reason?: string;
}

export interface BootResult {
  /** False when the primary image of image 0 cannot be booted: the device hangs in MCUboot. */
  readonly booted: boolean;
  readonly images: readonly ImageBootResult[];
  /** Simulated time the bootloader spent (validation, erases, copies). */
  readonly durationMs: number;
  readonly failure?: string;
}

export class Mcuboot {
  constructor(
    readonly flash: Flash,
    readonly slots: readonly ImageSlots[],
    readonly config: BootloaderConfig,
    private readonly subtle?: SubtleLike,
  ) {}

  // --- trailers ---------------------------------------------------------------------------

  trailer(area: Area): TrailerState {
    const end = area.offset + area.size;
    const erased = this.flash.geometry.erasedValue;
    const magicBytes = this.flash.view(end - OFF.magic, 16);
    const magic: Magic = magicBytes.every((b) => b === erased)
      ? 'unset'
      : equalBytes(magicBytes, bootMagic(MAX_ALIGN))
        ? 'good'
        : 'bad';
    const flag = (off: number): Flag => {
      const b = this.flash.bytes[end - off];
      return b === erased ? 'unset' : b === 0x01 ? 'set' : 'bad';
    };
    const info = this.flash.bytes[end - OFF.swapInfo] ?? erased;
    return {
      magic,
      imageOk: flag(OFF.imageOk),
      copyDone: flag(OFF.copyDone),
      swapInfo: info === erased || (info & 0x0f) > 4 ? 1 : info & 0x0f,
    };
  }

  /** boot_swap_type_multi: the first matching row of boot_swap_tables. */
  swapType(image: number): SwapType {
    const { primary, secondary } = this.#slots(image);
    const s = this.trailer(secondary);
    const p = this.trailer(primary);
    if (s.magic === 'good' && s.imageOk === 'unset') return 'test';
    if (s.magic === 'good' && s.imageOk === 'set') return 'perm';
    if (p.magic === 'good' && p.imageOk === 'unset' && p.copyDone === 'set') return 'revert';
    return 'none';
  }

  /**
   * boot_set_pending_multi: marks the secondary image for a test (or
   * permanent) swap. The first request wins; a secondary with a bad trailer
   * magic is erased and refused (BOOT_EBADIMAGE).
   */
  setPending(image: number, permanent: boolean): { rc: number; ms: number } {
    const area = this.#slots(image).secondary;
    const state = this.trailer(area);
    if (state.magic === 'bad')
      return { rc: BOOT_EBADIMAGE, ms: this.flash.erase(area.offset, area.size) };
    if (state.magic === 'good') return { rc: 0, ms: 0 };
    let ms = this.#writeMagic(area);
    if (permanent) ms += this.#writeFlag(area, OFF.imageOk);
    ms += this.#writeByte(
      area,
      OFF.swapInfo,
      (image << 4) | SWAP_CODE[permanent ? 'perm' : 'test'],
    );
    return { rc: 0, ms };
  }

  /** boot_set_confirmed_multi: image_ok in the primary trailer (a no-op without its magic). */
  setConfirmed(image: number): { rc: number; ms: number } {
    const area = this.#slots(image).primary;
    const state = this.trailer(area);
    if (state.magic === 'bad') return { rc: BOOT_EBADVECT, ms: 0 };
    if (state.magic === 'good' && state.imageOk === 'unset')
      return { rc: 0, ms: this.#writeFlag(area, OFF.imageOk) };
    return { rc: 0, ms: 0 };
  }

  #slots(image: number): ImageSlots {
    const s = this.slots[image];
    if (!s) throw new RangeError(`no image ${image}`);
    return s;
  }

  #write(area: Area, fromEnd: number, bytes: Uint8Array): number {
    // Flag writes pad to the write block with the erased value (boot_write_trailer).
    const align = this.flash.geometry.writeAlign;
    const len = Math.ceil(bytes.length / align) * align;
    const padded = new Uint8Array(len).fill(this.flash.geometry.erasedValue);
    padded.set(bytes);
    return this.flash.write(area.offset + area.size - fromEnd, padded);
  }

  #writeMagic(area: Area): number {
    return this.#write(area, OFF.magic, bootMagic(MAX_ALIGN));
  }

  #writeFlag(area: Area, off: number): number {
    return this.#write(area, off, Uint8Array.of(0x01));
  }

  #writeByte(area: Area, off: number, value: number): number {
    return this.#write(area, off, Uint8Array.of(value));
  }

  /** Erases the trailer's sectors (swap_scramble_trailer_sectors). */
  #scrambleTrailer(area: Area): number {
    const s = this.flash.geometry.sectorSize;
    return this.flash.erase(area.offset + area.size - s, s);
  }

  // --- images -----------------------------------------------------------------------------

  /** The image bytes of an area up to the end of its TLVs, or null if the header is not an image. */
  imageIn(area: Area): Uint8Array | null {
    const head = this.flash.view(area.offset, IMAGE_HEADER_SIZE);
    if (decodeHeader(head).magic !== IMAGE_MAGIC) return null;
    const parsed = parseImage(this.flash.view(area.offset, area.size));
    return parsed.ok
      ? this.flash.view(area.offset, parsed.image.layout.tlvEnd)
      : this.flash.view(area.offset, IMAGE_HEADER_SIZE);
  }

  /** What MCUboot checks in boot_validate_slot: header, hash, signature with its own keys, size. */
  async validate(
    area: Area,
  ): Promise<{ ok: true } | { ok: false; erased: boolean; reason: string }> {
    const erasedValue = this.flash.geometry.erasedValue;
    const head = this.flash.view(area.offset, IMAGE_HEADER_SIZE);
    if (head.subarray(0, 4).every((b) => b === erasedValue))
      return { ok: false, erased: true, reason: 'no image (erased header)' };
    const header = decodeHeader(head);
    if (header.flags & ImageFlag.NON_BOOTABLE)
      return { ok: false, erased: true, reason: 'image marked non-bootable' };
    // WebCrypto only where it is needed (RSA-PSS): noble's digests finish in
    // microtasks, so a boot stays inside virtual time in tests.
    const rsa = this.config.keys.some((k) => k.type.startsWith('rsa'));
    const verdict = await verifyImage(this.flash.view(area.offset, area.size), this.config.keys, {
      subtle: rsa ? this.subtle : undefined,
      requireSignature: this.config.keys.length > 0,
    });
    if (!verdict.ok)
      return { ok: false, erased: false, reason: `${verdict.reason}: ${verdict.detail}` };
    // The TLVs must end before the trailer and the swap's spare sector (bootutil_max_image_size).
    const limit = area.size - this.flash.geometry.sectorSize - this.#trailerReserve();
    if (verdict.layout.tlvEnd > limit)
      return {
        ok: false,
        erased: false,
        reason: `the image (${verdict.layout.tlvEnd} bytes) overlaps the space the swap needs (${limit} bytes usable)`,
      };
    return { ok: true };
  }

  #trailerReserve(): number {
    const s = this.flash.geometry.sectorSize;
    return Math.ceil((OFF.swapSize + 128 * 3 * this.flash.geometry.writeAlign) / s) * s;
  }

  // --- boot -------------------------------------------------------------------------------

  async boot(): Promise<BootResult> {
    let ms = 0;
    const results: ImageBootResult[] = [];
    const decisions = this.slots.map((_, i) => this.swapType(i));
    // (Multi-image dependency checks: an unmet dependency cancels every image's swap.)
    if (decisions.some((d) => d !== 'none') && !(await this.#dependenciesMet(decisions))) {
      decisions.fill('none');
      results.push(
        ...this.slots.map((_, image) => ({
          image,
          decision: 'none' as const,
          action: 'none' as const,
          reason: 'an image dependency is not met; no image was updated',
        })),
      );
    } else {
      for (let image = 0; image < this.slots.length; image++) {
        const r = await this.#update(image, decisions[image] ?? 'none');
        ms += r.ms;
        results.push(r.result);
      }
    }
    for (let image = 0; image < this.slots.length; image++) {
      const { primary } = this.#slots(image);
      if (this.config.validatePrimary) {
        const v = await this.validate(primary);
        ms += this.#hashTime(primary);
        if (!v.ok)
          return {
            booted: false,
            images: results,
            durationMs: ms,
            failure: `image ${image}: primary slot: ${v.reason}`,
          };
      } else if (
        decodeHeader(this.flash.view(primary.offset, IMAGE_HEADER_SIZE)).magic !== IMAGE_MAGIC
      ) {
        return {
          booted: false,
          images: results,
          durationMs: ms,
          failure: `image ${image}: no image in the primary slot`,
        };
      }
    }
    return { booted: true, images: results, durationMs: ms };
  }

  #hashTime(area: Area): number {
    // Reading and hashing the image: ~1 ms per 16 KiB at 64 MHz (a coarse figure).
    const size = this.imageIn(area)?.length ?? 0;
    return size / 16384;
  }

  async #update(
    image: number,
    decision: SwapType,
  ): Promise<{ ms: number; result: ImageBootResult }> {
    const { primary, secondary } = this.#slots(image);
    if (decision === 'none') return { ms: 0, result: { image, decision, action: 'none' } };
    // The image that would run: the secondary's (TEST/PERM), or, for a revert, the old one now in the secondary.
    const v = await this.validate(secondary);
    let ms = this.#hashTime(secondary);
    if (!v.ok) {
      if (v.erased) ms += this.#scrambleTrailer(secondary);
      else ms += this.flash.erase(secondary.offset, secondary.size); // boot_scramble_slot
      return { ms, result: { image, decision, action: 'rejected', reason: v.reason } };
    }
    if (this.config.downgradePrevention && decision !== 'revert') {
      const a = decodeHeader(this.flash.view(secondary.offset, IMAGE_HEADER_SIZE)).version;
      const b = decodeHeader(this.flash.view(primary.offset, IMAGE_HEADER_SIZE)).version;
      if (compareVersions(a, b) < 0) {
        ms += this.flash.erase(secondary.offset, secondary.size);
        return {
          ms,
          result: {
            image,
            decision,
            action: 'rejected',
            reason: 'downgrade prevented (lower version than the running image)',
          },
        };
      }
    }
    if (this.config.mode === 'overwrite-only') {
      ms += this.#overwrite(primary, secondary);
      return { ms, result: { image, decision, action: 'copied' } };
    }
    ms += this.#swap(primary, secondary, decision, image);
    return {
      ms,
      result: { image, decision, action: decision === 'revert' ? 'reverted' : 'swapped' },
    };
  }

  /** Exchanges the two images and leaves the trailers as swap-using-move does (spec §3.6). */
  #swap(primary: Area, secondary: Area, decision: SwapType, image: number): number {
    const s = this.flash.geometry.sectorSize;
    const size = Math.max(this.imageIn(primary)?.length ?? 0, this.imageIn(secondary)?.length ?? 0);
    const n = Math.ceil(size / s);
    const a = this.flash.read(primary.offset, n * s);
    const b = this.flash.read(secondary.offset, n * s);
    let ms = this.flash.erase(primary.offset, n * s) + this.flash.erase(secondary.offset, n * s);
    ms += this.#scrambleTrailer(primary) + this.#scrambleTrailer(secondary);
    ms += this.flash.write(primary.offset, b) + this.flash.write(secondary.offset, a);
    // 3N erases and copies in all for swap-using-move; two of three counted above.
    ms +=
      n * this.flash.timing.eraseSectorMs * this.flash.slowdown +
      n * s * this.flash.timing.writeByteMs * this.flash.slowdown;
    ms += this.#writeMagic(primary);
    ms += this.#writeByte(primary, OFF.swapInfo, (image << 4) | SWAP_CODE[decision]);
    if (decision !== 'test') ms += this.#writeFlag(primary, OFF.imageOk); // PERM and REVERT are final
    ms += this.#writeFlag(primary, OFF.copyDone);
    return ms;
  }

  /** Overwrite-only (FAST): copy the image, write the magic only, scramble the secondary's first and last sectors. */
  #overwrite(primary: Area, secondary: Area): number {
    const s = this.flash.geometry.sectorSize;
    const image = this.imageIn(secondary) ?? new Uint8Array();
    const align = this.flash.geometry.writeAlign;
    const copy = new Uint8Array(Math.ceil(image.length / align) * align).fill(
      this.flash.geometry.erasedValue,
    );
    copy.set(image);
    let ms =
      this.flash.erase(primary.offset, Math.ceil(copy.length / s) * s) +
      this.#scrambleTrailer(primary);
    ms += this.flash.write(primary.offset, copy);
    ms += this.#writeMagic(primary);
    ms += this.flash.erase(secondary.offset, s) + this.#scrambleTrailer(secondary);
    return ms;
  }

  async #dependenciesMet(decisions: SwapType[]): Promise<boolean> {
    if (this.slots.length < 2) return true;
    const runningVersion = (image: number) => {
      const d = decisions[image] ?? 'none';
      const area =
        d === 'test' || d === 'perm' || d === 'revert'
          ? this.#slots(image).secondary
          : this.#slots(image).primary;
      return decodeHeader(this.flash.view(area.offset, IMAGE_HEADER_SIZE)).version;
    };
    for (let image = 0; image < this.slots.length; image++) {
      const d = decisions[image] ?? 'none';
      const area = d === 'none' ? this.#slots(image).primary : this.#slots(image).secondary;
      const parsed = parseImage(this.flash.view(area.offset, area.size));
      if (!parsed.ok) continue;
      for (const tlv of parsed.image.tlvs) {
        if (tlv.type !== 0x40 || !tlv.protected) continue;
        if (tlv.len !== 12) return false;
        const id = tlv.value[0] ?? 0;
        if (id >= this.slots.length) return false;
        const min = {
          major: tlv.value[4] ?? 0,
          minor: tlv.value[5] ?? 0,
          revision: (tlv.value[6] ?? 0) | ((tlv.value[7] ?? 0) << 8),
          build: 0,
        };
        if (compareVersions(runningVersion(id), min) < 0) return false;
      }
    }
    await Promise.resolve();
    return true;
  }
}
