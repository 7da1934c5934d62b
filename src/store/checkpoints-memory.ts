/**
 * Checkpoints kept in memory: for the demo device (whose own state lives only
 * as long as the page) and for tests. Values are copied in and out, so the
 * store behaves like one that serialises them.
 * @module
 */
import type { CheckpointStore } from '../core/update/index.ts';

export function memoryCheckpointStore(records = new Map<string, unknown>()): CheckpointStore & {
  readonly records: Map<string, unknown>;
} {
  return {
    records,
    get: (key) => Promise.resolve(structuredClone(records.get(key))),
    set: (key, value) => {
      records.set(key, structuredClone(value));
      return Promise.resolve();
    },
    delete: (key) => {
      records.delete(key);
      return Promise.resolve();
    },
  };
}
