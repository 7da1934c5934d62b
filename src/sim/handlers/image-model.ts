/**
 * The image group's view of the slots (img_mgmt_state.c): slot n is image
 * n >> 1, primary (even) or secondary (odd); the running image is always the
 * primary in swap and overwrite modes; the next boot and "in use" follow the
 * bootloader's swap type (MCUboot `boot_swap_type_multi`).
 * @module
 */
import type { Area, Mcuboot } from '../mcuboot.ts';
import { readSlot, type SlotRead } from './slot-read.ts';

export type BootType = 'normal' | 'test' | 'revert';

export interface ImageGroupOptions {
  /** MCUMGR_GRP_IMG_ALLOW_ERASE_PENDING (default y): a pending slot is not "in use". */
  readonly allowErasePending: boolean;
  /** IMG_ENABLE_IMAGE_CHECK (default n): `match` on the last upload chunk. */
  readonly imageCheck: boolean;
  /** MCUMGR_GRP_IMG_SLOT_INFO (default only with more than one image). */
  readonly slotInfo: boolean;
}

export class ImageModel {
  constructor(
    readonly boot: Mcuboot,
    readonly options: ImageGroupOptions,
  ) {}

  get images(): number {
    return this.boot.slots.length;
  }

  get slotCount(): number {
    return this.images * 2;
  }

  area(slot: number): Area | null {
    const pair = this.boot.slots[slot >> 1];
    if (!pair || slot < 0) return null;
    return slot % 2 === 0 ? pair.primary : pair.secondary;
  }

  read(slot: number): SlotRead {
    const area = this.area(slot);
    if (!area) return { ok: false, err: 14 };
    return readSlot(
      this.boot.flash.view(area.offset, area.size),
      this.boot.flash.geometry.erasedValue,
    );
  }

  activeSlot(image: number): number {
    return image * 2;
  }

  /** img_mgmt_get_next_boot_slot. */
  nextBoot(image: number): { slot: number; type: BootType } {
    const a = this.activeSlot(image);
    switch (this.boot.swapType(image)) {
      case 'none':
        return { slot: a, type: 'normal' };
      case 'perm':
        return { slot: a ^ 1, type: 'normal' };
      case 'test':
        return { slot: a ^ 1, type: 'test' };
      case 'revert':
        return { slot: a ^ 1, type: 'revert' };
    }
  }

  /** img_mgmt_slot_in_use. */
  inUse(slot: number): boolean {
    const image = slot >> 1;
    const a = this.activeSlot(image);
    const next = this.nextBoot(image);
    if (slot === next.slot && next.type === 'revert') return true;
    const pending =
      (slot === next.slot && next.type === 'test') || (a !== next.slot && next.type === 'normal');
    if (pending && !this.options.allowErasePending) return true;
    return slot === a;
  }
}
