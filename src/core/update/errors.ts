/**
 * Why an update does not go ahead, or did not end as asked: typed, with a
 * stable `code` (the engine's `failed` event carries it), a sentence for the
 * person holding the device, and the data behind it.
 * @module
 */
import { FieldflashError } from '../errors.ts';

/** The image is older than what the device runs; only sent when a downgrade is asked for. */
export class DowngradeRefusedError extends FieldflashError {
  readonly code = 'downgrade-refused';
  constructor(
    readonly running: string,
    readonly offered: string,
    readonly by: 'version' | 'security-counter',
  ) {
    super(
      by === 'version'
        ? `The image (version ${offered}) is older than the one the device runs (${running}). Not sent: allow a downgrade explicitly if this is intended.`
        : `The image's security counter (${offered}) is lower than the running image's (${running}); the bootloader would refuse it. Not sent.`,
    );
  }
}

/** The image does not fit the device's slot. */
export class ImageTooLargeError extends FieldflashError {
  readonly code = 'image-too-large';
  constructor(
    readonly size: number,
    readonly slotSize: number,
  ) {
    super(
      `The image (${size} bytes) does not fit the device's update slot (${slotSize} bytes). Not sent.`,
    );
  }
}

/** The image or the device's bootloader cannot be updated this way. */
export class UpdateNotSupportedError extends FieldflashError {
  readonly code = 'update-not-supported';
  constructor(
    readonly reason:
      | 'non-bootable-image'
      | 'bootloader-mode'
      | 'mode-not-possible'
      | 'no-image-group'
      | 'no-such-image',
    message: string,
  ) {
    super(message);
  }
}
