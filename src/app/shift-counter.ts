/**
 * "Devices updated this shift": the successful updates of today, counted
 * from the update log (one source of truth: the count can never disagree
 * with the log). A new day starts a new shift.
 *
 * Migration: before the log existed (schema 0) the count lived on its own
 * in localStorage as `{day, count}`. Today's such count is carried into a
 * versioned record `{schema: 1, day, carried}` and added on top of the log's,
 * so a technician mid-shift loses nothing when the app updates; the old key
 * is removed only after the new record is written.
 * @module
 */
import type { LogEntry } from '../core/log/index.ts';

const LEGACY_KEY = 'fieldflash.shift';
const KEY = 'fieldflash.shift.carried';

export interface ShiftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The UTC day, as the schema-0 record kept it. */
const today = (now: number) => new Date(now).toISOString().slice(0, 10);
/** The technician's local day, for the log's entries. */
const localDay = (ms: number) => new Date(ms).toDateString();

function parse(raw: string | null): Record<string, unknown> | null {
  try {
    const v: unknown = raw ? JSON.parse(raw) : null;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Today's carried count, migrating a schema-0 record first; 0 when there is none. */
export function carriedCount(storage: ShiftStorage | undefined, now: number): number {
  if (!storage) return 0;
  try {
    const raw = storage.getItem(LEGACY_KEY);
    if (raw !== null) {
      // Anything else under the old key (not JSON, another day) is dropped.
      const legacy = parse(raw);
      const count = legacy?.['count'];
      if (legacy?.['day'] === today(now) && Number.isSafeInteger(count) && (count as number) > 0) {
        try {
          storage.setItem(KEY, JSON.stringify({ schema: 1, day: legacy['day'], carried: count }));
        } catch {
          // Storage full: keep the old record (migrated on a later read) and still count it.
          return count as number;
        }
      }
      storage.removeItem(LEGACY_KEY);
    }
    const record = parse(storage.getItem(KEY));
    const carried = record?.['carried'];
    return record?.['schema'] === 1 &&
      record['day'] === today(now) &&
      Number.isSafeInteger(carried) &&
      (carried as number) > 0
      ? (carried as number)
      : 0;
  } catch {
    // Private mode or storage blocked: only the log counts.
    return 0;
  }
}

/** Successful updates today in the log, plus what was carried over from before the log. */
export function devicesThisShift(
  entries: readonly LogEntry[],
  now: number,
  storage: ShiftStorage | undefined,
): number {
  const day = localDay(now);
  const logged = entries.filter(
    (e) => e.result === 'updated' && localDay(Date.parse(e.time)) === day,
  );
  return logged.length + carriedCount(storage, now);
}

/** The browser's localStorage, if it lets us use it. */
export function browserStorage(): ShiftStorage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}
