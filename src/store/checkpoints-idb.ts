/**
 * Update checkpoints in the browser: one IndexedDB database of their own
 * (DESIGN.md "Storage": separate stores per concern), through idb-keyval.
 * @module
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { CheckpointStore, UpdateCheckpoint } from '../core/update/index.ts';

export const CHECKPOINT_DB = 'fieldflash-checkpoints';

export function idbCheckpointStore(
  db: UseStore = createStore(CHECKPOINT_DB, 'checkpoints'),
): CheckpointStore {
  return {
    get: (key) => get<unknown>(key, db),
    set: (key, value: UpdateCheckpoint) => set(key, value, db),
    delete: (key) => del(key, db),
  };
}
