/**
 * Persistence of the update log, behind a small interface (IndexedDB in the
 * browser, memory for the demo and tests: src/store/update-log-idb.ts), and
 * the sync cursor kept with it.
 * @module
 */
import { parseLogEntry, type LogEntry, type LogEntryDraft, type LogHead } from './entry.ts';
import { LogDamagedError } from './errors.ts';

export const SYNC_CURSOR_SCHEMA = 1;

/** How far the log has been sent to the sync server. */
export interface SyncCursor {
  readonly schema: typeof SYNC_CURSOR_SCHEMA;
  /** Every entry up to this seq is stored on the server (it answered 2xx); 0: none yet. */
  readonly syncedSeq: number;
  /** Milliseconds since 1970 of the last request, whatever its outcome; null: never. */
  readonly lastAttempt: number | null;
  /** Why the last request failed; null when it succeeded (or none was made). */
  readonly lastError: string | null;
}

export const INITIAL_SYNC_CURSOR: SyncCursor = {
  schema: SYNC_CURSOR_SCHEMA,
  syncedSeq: 0,
  lastAttempt: null,
  lastError: null,
};

export interface UpdateLogStore {
  /** Chains the draft after the last entry and stores entry and head together (atomically). */
  append(draft: LogEntryDraft, id: string): Promise<LogEntry>;
  /** Everything, raw, in seq order, for `verifyChain` (a missing head while entries exist reads as the empty head, so that it fails). */
  all(): Promise<{ entries: unknown[]; head: LogHead | null }>;
  /** The head, parsed (seq 0 and the zero hash before the first append); null when it is unreadable. */
  head(): Promise<LogHead | null>;
  /** Up to `limit` entries with seq > `seq`, in order, parsed; throws LogDamagedError at one it cannot read or a gap. */
  since(seq: number, limit: number): Promise<LogEntry[]>;
  /** The cursor; the initial one when none is stored or it is unreadable (sending again is harmless: the server dedupes). */
  syncState(): Promise<SyncCursor>;
  setSyncState(s: SyncCursor): Promise<void>;
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** A stored cursor, or null when it is not one this version can read. */
export function parseSyncCursor(raw: unknown): SyncCursor | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const v = raw as Readonly<Record<string, unknown>>;
  const ok =
    v['schema'] === SYNC_CURSOR_SCHEMA &&
    isCount(v['syncedSeq']) &&
    (v['lastAttempt'] === null || isCount(v['lastAttempt'])) &&
    (v['lastError'] === null || typeof v['lastError'] === 'string');
  if (!ok) return null;
  return {
    schema: SYNC_CURSOR_SCHEMA,
    syncedSeq: v['syncedSeq'] as number,
    lastAttempt: v['lastAttempt'] as number | null,
    lastError: v['lastError'] as string | null,
  };
}

/**
 * Entries read in key order after `seq`, parsed. One that cannot be read, or
 * a gap, stops here with LogDamagedError rather than being skipped: a sync
 * must never pass over an entry.
 */
export function parseEntriesAfter(seq: number, raws: readonly unknown[]): LogEntry[] {
  return raws.map((raw, i) => {
    const expected = seq + i + 1;
    const entry = parseLogEntry(raw);
    if (!entry) throw new LogDamagedError(`entry #${expected} cannot be read`, expected);
    if (entry.seq !== expected) {
      throw new LogDamagedError(`entry #${expected} is missing (found #${entry.seq})`, expected);
    }
    return entry;
  });
}
