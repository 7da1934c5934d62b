/**
 * Image state read and write (img_mgmt_state.c `img_mgmt_state_read`,
 * `img_mgmt_state_write`, `img_mgmt_set_next_boot_slot`; research/protocols.md §2.5).
 * @module
 */
import { equalBytes } from '../../core/bytes.ts';
import { Group, type CborMap } from '../../core/smp/index.ts';
import { BOOT_EBADIMAGE, BOOT_EBADVECT } from '../mcuboot.ts';
import type { Answer, SmpRequestIn } from '../server.ts';
import { boolArg, bytesArg } from './args.ts';
import type { ImageModel } from './image-model.ts';
import { ImgErr, versionString } from './slot-read.ts';

const groupError = (rc: number): Answer => ({ group: Group.IMAGE, rc });

/** The state list: every valid slot in slot order, with its flags (img_mgmt_state_encode_slot). */
export function stateList(model: ImageModel): CborMap {
  const images: CborMap[] = [];
  for (let image = 0; image < model.images; image++) {
    const a = model.activeSlot(image);
    const next = model.nextBoot(image);
    for (const slot of [image * 2, image * 2 + 1]) {
      const info = model.read(slot);
      if (!info.ok) continue;
      const active = slot === a;
      const other = !active && next.slot !== a;
      images.push({
        ...(model.images > 1 ? { image } : {}),
        slot: slot % 2,
        version: versionString(info.version),
        hash: info.hash,
        bootable: info.bootable,
        pending: other && next.type !== 'revert',
        confirmed: active ? next.type !== 'revert' : other && next.type === 'revert',
        active,
        permanent: other && next.type === 'normal',
      });
    }
  }
  return { images, splitStatus: 0 };
}

export function readState(model: ImageModel): Answer {
  return { body: stateList(model) };
}

export function writeState(model: ImageModel, request: SmpRequestIn): Answer {
  const body = request.body();
  const hash = bytesArg(body, 'hash');
  const confirm = boolArg(body, 'confirm') ?? false;
  let slot: number;
  if (!hash || hash.length === 0) {
    if (!confirm) return groupError(ImgErr.INVALID_HASH);
    slot = model.activeSlot(0);
  } else {
    if (hash.length !== 32) return groupError(ImgErr.INVALID_HASH);
    const found = findByHash(model, hash);
    if (found < 0) return groupError(ImgErr.HASH_NOT_FOUND);
    slot = found;
  }
  const rc = setNextBootSlot(model, slot, confirm, request);
  return rc === 0 ? readState(model) : groupError(rc);
}

function findByHash(model: ImageModel, hash: Uint8Array): number {
  for (let slot = 0; slot < model.slotCount; slot++) {
    const info = model.read(slot);
    if (info.ok && equalBytes(info.hash, hash)) return slot;
  }
  return -1;
}

/** img_mgmt_set_next_boot_slot (swap modes), then MCUboot's boot_set_next. */
function setNextBootSlot(
  model: ImageModel,
  slot: number,
  confirm: boolean,
  request: SmpRequestIn,
): number {
  const image = slot >> 1;
  const a = model.activeSlot(image);
  const next = model.nextBoot(image);
  if (!confirm && slot === a) return ImgErr.IMAGE_SETTING_TEST_TO_ACTIVE_DENIED;
  switch (next.type) {
    case 'test':
      return !confirm && slot === next.slot ? 0 : ImgErr.IMAGE_ALREADY_PENDING;
    case 'normal':
      if (confirm && slot === next.slot) return 0;
      if ((slot === a && a !== next.slot) || (!confirm && slot !== a && slot === next.slot))
        return ImgErr.IMAGE_ALREADY_PENDING;
      break;
    case 'revert':
      if (confirm && slot === next.slot) return 0;
      if (!confirm) return ImgErr.IMAGE_ALREADY_PENDING;
      break;
  }
  const { rc, ms } =
    slot === a ? model.boot.setConfirmed(image) : model.boot.setPending(image, confirm);
  request.spend(ms);
  if (rc === BOOT_EBADVECT) return ImgErr.INVALID_IMAGE_VECTOR_TABLE;
  if (rc === BOOT_EBADIMAGE) return ImgErr.INVALID_IMAGE_HEADER_MAGIC;
  return rc === 0 ? 0 : ImgErr.UNKNOWN;
}
