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
import type { ConnectedDevice } from './device-link.ts';

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
  readonly mode?: UpdateMode;
  readonly allowDowngrade?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent: (event: UpdateEvent) => void;
}

export function updateDevice(
  device: ConnectedDevice,
  bytes: Uint8Array,
  keys: readonly TrustedKey[],
  options: PageUpdateOptions,
): Promise<UpdateOutcome> {
  const subtle = globalThis.isSecureContext ? globalThis.crypto?.subtle : undefined;
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
