/**
 * Preflight: before one byte is sent, decide what an update of this device
 * with this (already verified) image means — upload, only test what is
 * already there, only confirm, nothing — or refuse it with a typed reason.
 * Pure: the engine reads the device and passes what it found.
 * @module
 */
import { bytesToHex } from '../bytes.ts';
import { compareVersions, formatVersion, type ImageOk } from '../image/index.ts';
import { parseDeviceVersion, type ImageSlotState } from '../smp/index.ts';
import {
  DowngradeRefusedError,
  ImageTooLargeError,
  RunningVersionUnknownError,
  UpdateNotSupportedError,
} from './errors.ts';
import { chooseMode, type UpdateMode } from './modes.ts';

export interface PreflightInput {
  /** The image, verified against the trusted keys (an invalid image never gets here). */
  readonly image: ImageOk;
  /** The device's image list (`image state`); empty when the device reports none. */
  readonly slots: readonly ImageSlotState[];
  /** From bootloader info; null when the device does not say. */
  readonly bootloaderMode: number | null;
  /** The update slot's size (slot info), null when the device does not say. */
  readonly slotSize: number | null;
  /** Security counter of the running image, when known (e.g. the cached file it was made from). */
  readonly runningSecurityCounter?: number | null;
  readonly options?: {
    readonly mode?: UpdateMode;
    readonly allowDowngrade?: boolean;
    /** SMP image number (0 = application; 1 = e.g. a network core). */
    readonly imageIndex?: number;
  };
}

export type PreflightPlan =
  /** The image already runs and is confirmed (or the mode does not confirm). */
  | { readonly action: 'nothing'; readonly why: 'already-running' }
  /** The image runs on test: confirm it. */
  | { readonly action: 'confirm'; readonly mode: UpdateMode }
  /** The image is in the update slot already (same hash): skip the upload. */
  | { readonly action: 'mark'; readonly mode: UpdateMode; readonly pending: boolean }
  | { readonly action: 'upload'; readonly mode: UpdateMode; readonly size: number };

export interface Preflight {
  readonly plan: PreflightPlan;
  readonly imageIndex: number;
  readonly running: ImageSlotState | null;
  readonly warnings: readonly string[];
}

/** The slots of one SMP image number (Zephyr omits `image` when there is one: image 0). */
export function slotsOf(slots: readonly ImageSlotState[], imageIndex: number): ImageSlotState[] {
  return slots.filter((s) => (s.image ?? 0) === imageIndex);
}

/**
 * Whether a listed slot holds `image`: Zephyr lists by the SHA-256 TLV;
 * images hashed otherwise are matched by their image hash.
 */
export function holdsImage(slot: ImageSlotState, image: ImageOk): boolean {
  return slot.hash !== undefined && bytesToHex(slot.hash) === (image.sha256 ?? image.imageHash);
}

export function preflight(input: PreflightInput): Preflight {
  const { image, options = {} } = input;
  const imageIndex = options.imageIndex ?? 0;
  const warnings: string[] = [];
  if (!image.bootable) {
    throw new UpdateNotSupportedError(
      'non-bootable-image',
      'The image is marked non-bootable (a data image, e.g. for a network core loaded another way). Not sent.',
    );
  }
  const { mode, warning } = chooseMode(options.mode, input.bootloaderMode);
  if (warning) warnings.push(warning);

  const mine = slotsOf(input.slots, imageIndex);
  const others = mine.length < input.slots.length;
  if (mine.length === 0 && others) {
    throw new UpdateNotSupportedError(
      'no-such-image',
      `The device has no image ${imageIndex}; it lists images ${[...new Set(input.slots.map((s) => s.image ?? 0))].join(', ')}.`,
    );
  }
  const running = mine.find((s) => s.active) ?? null;
  const isOurs = (s: ImageSlotState) => holdsImage(s, image);

  if (running && isOurs(running)) {
    if (running.confirmed || mode === 'test-only') {
      return { plan: { action: 'nothing', why: 'already-running' }, imageIndex, running, warnings };
    }
    return { plan: { action: 'confirm', mode }, imageIndex, running, warnings };
  }

  if (running && !options.allowDowngrade) {
    let runningVersion;
    try {
      runningVersion = parseDeviceVersion(running.version);
    } catch {
      // Without the running version a downgrade cannot be ruled out: only sent when asked.
      throw new RunningVersionUnknownError(running.version);
    }
    if (compareVersions(image.version, runningVersion) < 0) {
      throw new DowngradeRefusedError(formatVersion(runningVersion), image.versionText, 'version');
    }
    const counter = input.runningSecurityCounter;
    if (counter != null && image.securityCounter != null && image.securityCounter < counter) {
      throw new DowngradeRefusedError(
        String(counter),
        String(image.securityCounter),
        'security-counter',
      );
    }
  }

  const waiting = mine.find((s) => !s.active && isOurs(s));
  if (waiting) {
    return {
      plan: { action: 'mark', mode, pending: waiting.pending },
      imageIndex,
      running,
      warnings,
    };
  }

  const size = image.layout.tlvEnd;
  if (input.slotSize !== null && size > input.slotSize) {
    throw new ImageTooLargeError(size, input.slotSize);
  }
  return { plan: { action: 'upload', mode, size }, imageIndex, running, warnings };
}
