/**
 * Why an update does not go ahead, or did not end as asked: typed, with a
 * stable `code` (the engine's `failed` event carries it), a sentence for the
 * person holding the device, and the data behind it.
 * @module
 */
import { FieldflashError } from '../errors.ts';
import type { ImageInvalid } from '../image/index.ts';

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

/**
 * The device reports a running version that is not a version (a device that
 * lies, or a bad build): whether the image is older cannot be told.
 */
export class RunningVersionUnknownError extends FieldflashError {
  readonly code = 'running-version-unknown';
  constructor(readonly reported: string) {
    super(
      `The device reports its running version as "${reported}", which is not a version, so fieldflash cannot tell whether this image is older. Not sent: allow a downgrade explicitly to send it anyway.`,
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

/** After the reset the device runs its old image: MCUboot refused the new one, or it failed its test boot. */
export class ImageRevertedError extends FieldflashError {
  readonly code = 'image-reverted';
  constructor(
    readonly running: string,
    readonly expected: string,
    /**
     * `refused`: the update slot no longer holds the image — MCUboot found it
     * invalid and erased it. `reverted`: it is back in the update slot — it was
     * swapped in and then swapped out again (a test boot that ended in a reset
     * before anything confirmed it). `unknown`: the device does not say.
     */
    readonly likely: 'refused' | 'reverted' | 'unknown' = 'unknown',
  ) {
    super(
      {
        refused: `After the reset the device still runs version ${running}, not ${expected}: its bootloader refused the new image and erased it. The bootloader trusts another signing key than the one this image is signed with, or the image was damaged on the way (it was uploaded twice).`,
        reverted: `After the reset the device runs version ${running} again, not ${expected}: the new image was started on test and reverted — it reset (crashed, or a watchdog) before it could be confirmed. Check the new firmware.`,
        unknown: `After the reset the device runs version ${running}, not ${expected}: its bootloader refused the new image (it is not signed by a key the bootloader trusts, or it is damaged), or the image failed its test boot and was reverted.`,
      }[likely],
    );
  }
}

/** After the upload the device does not list the image in its update slot. */
export class ImageNotInSlotError extends FieldflashError {
  readonly code = 'image-not-in-slot';
  constructor() {
    super(
      'After the upload the device does not list the new image in its update slot; it may have been erased or damaged. Run the update again.',
    );
  }
}

/** The device did not come back after the reset within the time a swap may take. */
export class DeviceDidNotReturnError extends FieldflashError {
  readonly code = 'device-did-not-return';
  constructor(readonly waitedMs: number) {
    super(
      `The device did not come back within ${Math.round(waitedMs / 1000)} s after the reset. It may still be copying the image: wait, then connect again; the update will pick up where it is.`,
    );
  }
}

/** The image failed verification against the trusted keys: nothing is sent. */
export class ImageRejectedError extends FieldflashError {
  readonly code = 'image-rejected';
  constructor(
    readonly reason: string,
    readonly detail: string,
    /** The verifier's verdict, when it got that far (for printing it whole). */
    readonly verdict?: ImageInvalid,
  ) {
    super(
      `The image is not genuine or cannot be checked (${reason}): ${detail}. Nothing was sent.`,
    );
  }
}

/**
 * The update was cancelled (AbortSignal). The device is left as MCUboot
 * leaves it — always bootable — and the message says in which state.
 */
export class UpdateCancelledError extends FieldflashError {
  readonly code = 'update-cancelled';
  constructor(
    /** Where it stopped: a checkpoint phase, or 'preflight' before anything was sent. */
    readonly phase: 'preflight' | 'upload' | 'mark' | 'reset' | 'confirm',
    /** Bytes the device had confirmed, during the upload. */
    readonly acked: number,
    readonly total: number,
  ) {
    const pct = total > 0 ? Math.floor((100 * acked) / total) : 0;
    super(
      {
        preflight: 'The update was cancelled before anything was sent. The device is unchanged.',
        upload: `The update was cancelled during the upload, at ${pct} %. The device keeps running its current firmware; start the update again to resume where it stopped.`,
        mark: 'The update was cancelled after the upload. The device keeps running its current firmware; start the update again to finish (the image will not be sent again).',
        reset:
          'The update was cancelled while the device was starting the new image. Start the update again to confirm it; unconfirmed, the device goes back to its previous firmware at the next reset.',
        confirm:
          'The update was cancelled before the new image was confirmed. Start the update again to confirm it; unconfirmed, the device goes back to its previous firmware at the next reset.',
      }[phase],
    );
  }
}
