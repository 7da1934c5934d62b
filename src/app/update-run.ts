/**
 * Running an update from the page: the engine with the browser's WebCrypto,
 * the pinned (and session) keys, and the checkpoint store — IndexedDB for real
 * devices, so a closed tab can be taken up again; memory for the demo device,
 * whose own state lives only as long as the page.
 * @module
 */
import type { TrustedKey } from '../core/keys/index.ts';
import {
  checkpointKey,
  parseCheckpoint,
  type CheckpointStore,
  type UpdateCheckpoint,
  type UpdateEvent,
  type UpdateMode,
  type UpdateOutcome,
} from '../core/update/index.ts';
import { runUpdate } from '../engine/update.ts';
import { idbCheckpointStore } from '../store/checkpoints-idb.ts';
import { memoryCheckpointStore } from '../store/checkpoints-memory.ts';
import type { LogResult } from '../core/log/index.ts';
import type { ConnectedDevice } from './device-link.ts';
import { browserSubtle } from './image-check.ts';
import { recordAttempt } from './update-log.ts';

let idb: CheckpointStore | null = null;
const demoStore = memoryCheckpointStore();

/** Where this device's update checkpoints are kept. */
export function checkpointStoreFor(device: ConnectedDevice): CheckpointStore {
  if (device.choice.kind === 'demo') return demoStore;
  idb ??= idbCheckpointStore();
  return idb;
}

/** The record of an unfinished update on this device, if one was kept. */
export async function savedCheckpoint(
  device: ConnectedDevice,
  imageIndex = 0,
): Promise<UpdateCheckpoint | null> {
  try {
    const raw = await checkpointStoreFor(device).get(
      checkpointKey(device.connector.identity, imageIndex),
    );
    return parseCheckpoint(raw);
  } catch {
    // Storage unavailable (private mode): there is simply no banner.
    return null;
  }
}

export interface PageUpdateOptions {
  /** What the update log records about the image (from its verification card). */
  readonly image: { readonly version: string; readonly imageHash: string };
  /** Said in the log entry, e.g. that an expired feed was used anyway. */
  readonly note?: string | null;
  /** Told when the attempt could not be written to the log (the update itself went on). */
  readonly onLogError?: (error: unknown) => void;
  readonly mode?: UpdateMode;
  readonly allowDowngrade?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent: (event: UpdateEvent) => void;
}

/** Runs the update and records the attempt in the update log, whatever its end. */
export async function updateDevice(
  device: ConnectedDevice,
  bytes: Uint8Array,
  keys: readonly TrustedKey[],
  options: PageUpdateOptions,
): Promise<UpdateOutcome> {
  const started = Date.now();
  // Where this attempt's upload began (0, or the device's offset when taking one up).
  const tally = { start: null as number | null, last: 0, resumes: 0 };
  const onEvent = (e: UpdateEvent) => {
    if (e.type === 'progress') {
      tally.start ??= 0;
      tally.last = e.bytes;
    } else if (e.type === 'phase' && e.phase === 'upload') {
      // Said before the first byte goes when the device still holds an earlier part.
      const resumed = /^resuming at byte (\d+)/.exec(e.detail);
      if (resumed) {
        tally.start ??= Number(resumed[1]);
        tally.resumes++;
      }
    }
    options.onEvent(e);
  };
  let result: LogResult = 'failed';
  let errorCode: string | null = null;
  try {
    const outcome = await runEngine(device, bytes, keys, { ...options, onEvent });
    result = outcome === 'already-running' ? 'already' : outcome;
    return outcome;
  } catch (error) {
    errorCode = (error as { code?: unknown }).code?.toString() ?? 'internal';
    result = errorCode === 'update-cancelled' ? 'cancelled' : 'failed';
    throw error;
  } finally {
    const summary = device.summary;
    const running = summary.slots.find((s) => (s.image ?? 0) === 0 && s.active);
    await recordAttempt({
      time: new Date(started).toISOString(),
      device: device.connector.identity,
      deviceName: summary.name,
      board: summary.board,
      fromVersion: running?.version ?? null,
      toVersion: options.image.version,
      imageHash: options.image.imageHash,
      transport: device.choice.kind === 'demo' ? 'demo' : device.choice.kind,
      // Bytes the device confirmed in this attempt (a resumed upload counts from where it went on).
      bytes: Math.max(0, tally.last - (tally.start ?? tally.last)),
      durationMs: Date.now() - started,
      resumes: tally.resumes,
      result,
      errorCode,
      note: options.note ?? null,
    }).catch((error: unknown) => options.onLogError?.(error));
  }
}

function runEngine(
  device: ConnectedDevice,
  bytes: Uint8Array,
  keys: readonly TrustedKey[],
  options: PageUpdateOptions,
): Promise<UpdateOutcome> {
  const subtle = browserSubtle();
  return runUpdate(
    device.connector,
    bytes,
    { keys, subtle },
    {
      checkpoints: checkpointStoreFor(device),
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.allowDowngrade ? { allowDowngrade: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      // The demo device swaps in well under a second; real ones may take minutes.
      ...(device.choice.kind === 'demo' ? { swapTimeoutMs: 30_000 } : {}),
      onEvent: options.onEvent,
    },
  );
}
