/**
 * The update checkpoint: what a later run (after a dropped link, a closed tab,
 * a new CLI invocation) needs to say where an update stopped. It is a report,
 * never an instruction: the upload always starts by asking the device
 * (`off = 0` with the same `sha` makes Zephyr answer with its own offset), so
 * a remembered offset the device does not confirm is never used
 * (DESIGN.md invariant 2). Stored through `CheckpointStore` (IndexedDB in the
 * browser, a file for the CLI); records carry a schema version and anything
 * else read back is discarded (DESIGN.md "Storage").
 * @module
 */
import type { UpdateMode } from './modes.ts';

export const CHECKPOINT_SCHEMA = 1;

/** Where the update was when the checkpoint was written. */
export type CheckpointPhase =
  /** Image bytes going to the device; `acked` is the device's last confirmed offset. */
  | 'upload'
  /** The whole image is in the slot; marking it (test or permanent) is next. */
  | 'mark'
  /** The device was told to reset into the new image; it may be swapping. */
  | 'reset'
  /** The new image runs; confirming it is what is left. */
  | 'confirm';

export interface UpdateCheckpoint {
  readonly schema: typeof CHECKPOINT_SCHEMA;
  /** Who the device is, as the connector knows it (a Bluetooth device id, a serial port). */
  readonly device: string;
  /** SMP image number (0 = application; 1 = e.g. a network core). */
  readonly imageIndex: number;
  /** The slot written: MCUboot's secondary slot of that image. */
  readonly slot: number;
  /** SHA-256 of the bytes uploaded (the SMP upload `sha`), hex. */
  readonly imageSha: string;
  /** The MCUboot image hash the device lists once the image is in the slot, hex. */
  readonly imageHash: string;
  readonly version: string;
  readonly size: number;
  /** The last offset the device confirmed (0 until it answered). */
  readonly acked: number;
  readonly mode: UpdateMode;
  readonly phase: CheckpointPhase;
  /** The hash of the image the device ran when the update began, hex: tells one board from another on the same port. */
  readonly runningHash: string | null;
  /** How many times this update was taken up again after an interruption. */
  readonly resumes: number;
  /** Milliseconds since 1970. */
  readonly startedAt: number;
  readonly updatedAt: number;
}

/** Persistence of checkpoints, one per device and image number. Values read back are untrusted. */
export interface CheckpointStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: UpdateCheckpoint): Promise<void>;
  delete(key: string): Promise<void>;
}

export function checkpointKey(device: string, imageIndex: number): string {
  return `${device}#${imageIndex}`;
}

const PHASES: readonly CheckpointPhase[] = ['upload', 'mark', 'reset', 'confirm'];
const MODES: readonly UpdateMode[] = ['test-and-confirm', 'confirm-only', 'test-only'];
const HEX = /^[0-9a-f]*$/;

/**
 * A stored value as a checkpoint, or null when it is not one this version
 * can trust (another schema, a missing or ill-typed field, an offset past
 * the image): such a record is discarded, never half-used.
 */
export function parseCheckpoint(value: unknown): UpdateCheckpoint | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const hex = (x: unknown, len?: number) =>
    typeof x === 'string' && HEX.test(x) && (len === undefined || x.length === len);
  const ok =
    v['schema'] === CHECKPOINT_SCHEMA &&
    typeof v['device'] === 'string' &&
    v['device'] !== '' &&
    count(v['imageIndex']) &&
    count(v['slot']) &&
    hex(v['imageSha'], 64) &&
    hex(v['imageHash']) &&
    (v['imageHash'] as string).length > 0 &&
    typeof v['version'] === 'string' &&
    count(v['size']) &&
    count(v['acked']) &&
    (v['acked'] as number) <= (v['size'] as number) &&
    MODES.includes(v['mode'] as UpdateMode) &&
    PHASES.includes(v['phase'] as CheckpointPhase) &&
    (v['runningHash'] === null || hex(v['runningHash'])) &&
    count(v['resumes']) &&
    count(v['startedAt']) &&
    count(v['updatedAt']);
  if (!ok) return null;
  return {
    schema: CHECKPOINT_SCHEMA,
    device: v['device'] as string,
    imageIndex: v['imageIndex'] as number,
    slot: v['slot'] as number,
    imageSha: v['imageSha'] as string,
    imageHash: v['imageHash'] as string,
    version: v['version'] as string,
    size: v['size'] as number,
    acked: v['acked'] as number,
    mode: v['mode'] as UpdateMode,
    phase: v['phase'] as CheckpointPhase,
    runningHash: v['runningHash'] as string | null,
    resumes: v['resumes'] as number,
    startedAt: v['startedAt'] as number,
    updatedAt: v['updatedAt'] as number,
  };
}

/** What a stored checkpoint means for the update about to run. */
export type CheckpointMatch =
  /** None stored (or discarded). */
  | { readonly kind: 'none' }
  /** The same image on the same board: this run takes the update up again. */
  | { readonly kind: 'same'; readonly checkpoint: UpdateCheckpoint }
  /** Another image, or another board on the same port: the old record is replaced. */
  | { readonly kind: 'other'; readonly checkpoint: UpdateCheckpoint; readonly why: string };

/**
 * Compares a stored checkpoint with the update about to run. `running` is the
 * hash the device runs now; after a reset into the new image it is the new
 * image's own hash, which also counts as the same board.
 */
export function matchCheckpoint(
  checkpoint: UpdateCheckpoint | null,
  update: {
    readonly imageSha: string;
    readonly imageHash: string;
    readonly running: string | null;
  },
): CheckpointMatch {
  if (!checkpoint) return { kind: 'none' };
  if (checkpoint.imageSha !== update.imageSha) {
    return {
      kind: 'other',
      checkpoint,
      why: `an unfinished update to ${checkpoint.version} is replaced by this one`,
    };
  }
  const sameBoard =
    checkpoint.runningHash === null ||
    update.running === null ||
    update.running === checkpoint.runningHash ||
    update.running === update.imageHash;
  if (!sameBoard) {
    return {
      kind: 'other',
      checkpoint,
      why: 'the device now on this connection runs other firmware than the one left unfinished',
    };
  }
  return { kind: 'same', checkpoint };
}

/**
 * How the device's first answer relates to the checkpoint: `resumed` when it
 * kept an interrupted upload, `restarted` when the checkpoint had bytes the
 * device no longer holds (it rebooted, or its slot was erased).
 */
export function uploadStart(
  remembered: number,
  device: { readonly offset: number; readonly firstChunk: number },
): 'fresh' | 'resumed' | 'restarted' {
  if (device.offset !== device.firstChunk) return 'resumed';
  return remembered > device.firstChunk ? 'restarted' : 'fresh';
}
