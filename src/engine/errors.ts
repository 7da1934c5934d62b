/**
 * Engine failures a technician can meet during an upload, typed.
 * @module
 */
import { FieldflashError } from '../core/errors.ts';

/** The device reported something impossible (an offset past the image). */
export class DeviceMisbehavedError extends FieldflashError {
  readonly code = 'device-misbehaved';
  constructor(readonly detail: string) {
    super(`The device gave an impossible answer: ${detail}.`);
  }
}

/**
 * The device checked the uploaded slot against the image's SHA-256 and it
 * differs: data arrived damaged (over Bluetooth, a lost write inside a frame
 * makes Zephyr's reassembly join two frames; there is no checksum). Upload again.
 */
export class SlotMismatchError extends FieldflashError {
  readonly code = 'slot-mismatch';
  constructor() {
    super(
      "The device's check of the uploaded image failed: some data arrived damaged. The upload has to be done again.",
    );
  }
}

/**
 * The device's upload offset went back to 0 mid-upload without a reboot:
 * either it finished (Zephyr forgets a completed upload, so a re-sent last
 * chunk is answered `off: 0`) or it lost the upload. The engine checks the
 * slot to tell which.
 */
export class UploadRestartedError extends FieldflashError {
  readonly code = 'upload-restarted';
  constructor(readonly acked: number) {
    super(`The device went back to the start of the upload after confirming ${acked} bytes.`);
  }
}
