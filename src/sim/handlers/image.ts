/**
 * Image management (group 1) as Zephyr's img_mgmt.c registers it: state (read
 * and write), upload, erase, and slot info when built in; file, core list and
 * core load are absent (→ 8). Group errors translate to v1 codes with
 * img_mgmt_translate_error_code.
 * @module
 */
import { Group, ImageCommand, MgmtErr } from '../../core/smp/index.ts';
import type { SmpServer } from '../server.ts';
import type { ImageModel } from './image-model.ts';
import { readState, writeState } from './image-state.ts';
import type { Uploader } from './image-upload.ts';

/** img_mgmt_translate_error_code: IMG_MGMT_ERR → MGMT_ERR for SMP v1 clients. */
export function translateImageError(rc: number): number {
  const table: Record<number, number> = {
    3: MgmtErr.ENOENT,
    4: MgmtErr.ENOENT,
    9: MgmtErr.EBADSTATE,
    14: MgmtErr.EINVAL,
    15: MgmtErr.ENOMEM,
    19: MgmtErr.EINVAL,
    20: MgmtErr.EINVAL,
    21: MgmtErr.EINVAL,
    22: MgmtErr.EINVAL,
    24: MgmtErr.EINVAL,
    25: MgmtErr.EINVAL,
    27: MgmtErr.EBADSTATE,
    28: MgmtErr.EBADSTATE,
  };
  return table[rc] ?? MgmtErr.EUNKNOWN;
}

export function registerImage(server: SmpServer, model: ImageModel, uploader: Uploader): void {
  server.translation(Group.IMAGE, translateImageError);
  server.register(Group.IMAGE, ImageCommand.STATE, {
    read: () => readState(model),
    write: (r) => writeState(model, r),
  });
  server.register(Group.IMAGE, ImageCommand.UPLOAD, { write: (r) => uploader.upload(r) });
  server.register(Group.IMAGE, ImageCommand.ERASE, { write: (r) => uploader.erase(r) });
  if (model.options.slotInfo) {
    server.register(Group.IMAGE, ImageCommand.SLOT_INFO, {
      // img_mgmt_slot_info: `upload_image_id` on the slots that are not running.
      read: () => ({
        body: {
          images: Array.from({ length: model.images }, (_, image) => ({
            image,
            slots: [0, 1].map((n) => {
              const slot = image * 2 + n;
              const area = model.area(slot);
              return {
                slot: n,
                size: area?.size ?? 0,
                ...(slot !== model.activeSlot(image) ? { upload_image_id: image } : {}),
              };
            }),
          })),
        },
      }),
    });
  }
}
