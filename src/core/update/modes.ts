/**
 * Update modes against the device's bootloader mode (MCUboot's `enum
 * mcuboot_mode`, as os_mgmt bootloader info reports it; boot_status.h):
 * which modes a device can honour, and which one to use.
 * @module
 */
import { UpdateNotSupportedError } from './errors.ts';

/**
 * - `test-and-confirm`: mark the image for one test boot, reset, and confirm
 *   it once it runs (MCUboot reverts it otherwise) — the safe default;
 * - `confirm-only`: mark it permanent before the reset (no revert);
 * - `test-only`: mark it for a test boot and reset; the device's own
 *   self-test confirms it, or MCUboot reverts it at the next reset.
 */
export type UpdateMode = 'test-and-confirm' | 'confirm-only' | 'test-only';

export interface ModeChoice {
  readonly mode: UpdateMode;
  /** Said to the user when the choice differs from what was asked or assumed. */
  readonly warning: string | null;
}

const SWAP = new Set([1, 3, 9]); // scratch, move, offset
const OVERWRITE_ONLY = 2;
const DIRECT_XIP_REVERT = 5;
/** Modes where the application cannot take an image over SMP into a second slot. */
const NOT_BY_THE_APP: Readonly<Record<number, string>> = {
  0: 'single slot: images are loaded by the bootloader itself (serial recovery)',
  4: 'direct XIP without revert: each slot needs an image built for its own address',
  6: 'RAM load',
  7: 'firmware loader: images are loaded by a separate loader application',
  8: 'single slot RAM load',
};

/**
 * The mode to use: `asked` (or the default) when the bootloader can honour
 * it. `bootloaderMode` null = the device does not say (no bootloader info):
 * assumed to swap, the common Zephyr default, with a warning.
 */
export function chooseMode(
  asked: UpdateMode | undefined,
  bootloaderMode: number | null,
): ModeChoice {
  const wanted = asked ?? 'test-and-confirm';
  if (bootloaderMode === null || bootloaderMode === -1) {
    return {
      mode: wanted,
      warning:
        "The device does not report its bootloader mode; assuming MCUboot swaps images (Zephyr's default).",
    };
  }
  if (SWAP.has(bootloaderMode) || bootloaderMode === DIRECT_XIP_REVERT) {
    return { mode: wanted, warning: null };
  }
  if (bootloaderMode === OVERWRITE_ONLY) {
    if (asked === 'test-only') {
      throw new UpdateNotSupportedError(
        'mode-not-possible',
        'This device overwrites its image at the next boot and cannot revert, so a test-only update is not possible. Use confirm-only.',
      );
    }
    return {
      mode: 'confirm-only',
      warning:
        asked === 'confirm-only'
          ? null
          : 'This device overwrites its image at the next boot and cannot revert: the update is permanent (confirm-only).',
    };
  }
  const why = NOT_BY_THE_APP[bootloaderMode] ?? `unknown bootloader mode ${bootloaderMode}`;
  throw new UpdateNotSupportedError(
    'bootloader-mode',
    `This device's bootloader cannot take an update from the running application (${why}).`,
  );
}
