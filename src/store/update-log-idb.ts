/**
 * The update log in the browser: one IndexedDB database of its own
 * (DESIGN.md "Storage": separate stores per concern), through idb-keyval's
 * custom store. One object store holds
 * - `entry:0000000001`, `entry:0000000002` …: the entries, keyed by seq
 *   zero-padded to 10 digits, so key order is seq order;
 * - `head`: `{ seq, hash }` of the last entry;
 * - `sync`: the sync cursor.
 *
 * An append reads the head and the last entry key, chains the entry and
 * writes entry and head in ONE readwrite transaction: a crash or a full disk
 * leaves both written or neither, and two appends at once (two tabs, a
 * Promise.all) are serialised by IndexedDB itself, so the chain never forks.
 * The requests are chained by callbacks rather than awaits, so that no
 * promise tick can let the transaction commit half-way. Hashing (noble's
 * sha256) is synchronous, so it runs inside the transaction.
 *
 * `memoryUpdateLogStore` keeps the same layout in a Map, for the demo device
 * and for tests.
 * @module
 */
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import {
  EMPTY_HEAD,
  INITIAL_SYNC_CURSOR,
  parseEntriesAfter,
  parseLogHead,
  parseSyncCursor,
  planAppend,
  type LogEntry,
  type LogEntryDraft,
  type LogHead,
  type SyncCursor,
  type UpdateLogStore,
} from '../core/log/index.ts';
import { storageError } from './errors.ts';

export type { SyncCursor, UpdateLogStore } from '../core/log/index.ts';

export const UPDATE_LOG_DB = 'fieldflash-log';
const OBJECT_STORE = 'entries';
const HEAD_KEY = 'head';
const SYNC_KEY = 'sync';
const ENTRY_PREFIX = 'entry:';
/** ';' follows ':' in code-unit order: every entry key sorts below it, the other keys do not fall between. */
const ENTRY_END = 'entry;';

/** getAll's count is an unsigned long: a larger limit (Infinity) would throw. */
const MAX_COUNT = 0xffff_ffff;

export function logEntryKey(seq: number): string {
  return `${ENTRY_PREFIX}${String(seq).padStart(10, '0')}`;
}

/** The seq a key names; 0 for none; NaN for a key that is not an entry key (then appending refuses). */
function seqOfKey(key: IDBValidKey | undefined): number {
  if (key === undefined) return 0;
  const digits = typeof key === 'string' ? key.slice(ENTRY_PREFIX.length) : '';
  return /^\d{10}$/.test(digits) ? Number(digits) : Number.NaN;
}

/** What the technician is told when storage fails, per operation. */
const NOT_RECORDED = 'This update attempt was not recorded in the update log.';
const NOT_READ = 'The update log could not be read.';
const CURSOR_NOT_SAVED =
  "The update log's sync progress could not be saved (entries may be sent again; the server ignores repeats).";

async function guard<T>(consequence: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw storageError(error, 'the update log', consequence);
  }
}

function entryRange(afterSeq: number): IDBKeyRange {
  return IDBKeyRange.bound(logEntryKey(afterSeq), ENTRY_END, true, true);
}

export function idbUpdateLogStore(dbName = UPDATE_LOG_DB): UpdateLogStore {
  const db: UseStore = createStore(dbName, OBJECT_STORE);
  return {
    append: (draft, id) =>
      guard(NOT_RECORDED, () => db('readwrite', (os) => appendIn(os, draft, id))),
    all: () =>
      guard(NOT_READ, () =>
        db('readonly', async (os) => {
          const [entries, head] = await Promise.all([
            promisifyRequest<unknown[]>(os.getAll(entryRange(0))),
            promisifyRequest<unknown>(os.get(HEAD_KEY)),
          ]);
          return { entries, head: rawHead(head, entries.length) };
        }),
      ),
    head: () =>
      guard(NOT_READ, () =>
        db('readonly', async (os) => readHead(await promisifyRequest(os.get(HEAD_KEY)))),
      ),
    since: (seq, limit) =>
      limit < 1
        ? Promise.resolve([])
        : guard(NOT_READ, () =>
            db('readonly', async (os) =>
              parseEntriesAfter(
                seq,
                await promisifyRequest(os.getAll(entryRange(seq), Math.min(limit, MAX_COUNT))),
              ),
            ),
          ),
    syncState: () =>
      guard(NOT_READ, () =>
        db('readonly', async (os) => readCursor(await promisifyRequest(os.get(SYNC_KEY)))),
      ),
    setSyncState: (s) =>
      guard(CURSOR_NOT_SAVED, () =>
        db('readwrite', (os) => {
          os.put(copyCursor(s), SYNC_KEY);
          return promisifyRequest(os.transaction);
        }),
      ),
  };
}

/** The whole append inside the transaction `os` belongs to; resolves once it has committed. */
function appendIn(os: IDBObjectStore, draft: LogEntryDraft, id: string): Promise<LogEntry> {
  return new Promise<LogEntry>((resolve, reject) => {
    // Requests complete in order: when the cursor's answer arrives, the head's has too.
    const headRequest = os.get(HEAD_KEY);
    const lastRequest = os.openKeyCursor(entryRange(0), 'prev');
    lastRequest.onerror = () => reject(lastRequest.error ?? new Error('IndexedDB cursor failed'));
    lastRequest.onsuccess = () => {
      try {
        const { entry, head } = planAppend(
          headRequest.result,
          seqOfKey(lastRequest.result?.key),
          draft,
          id,
        );
        os.put(entry, logEntryKey(entry.seq));
        os.put(head, HEAD_KEY);
        promisifyRequest(os.transaction).then(() => resolve(entry), reject);
      } catch (error) {
        // Planning refused, or a put threw (quota, a clone error): undo any put already made,
        // so that an entry never stands without its head.
        abortQuietly(os.transaction);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
  });
}

function abortQuietly(transaction: IDBTransaction): void {
  try {
    transaction.abort();
  } catch {
    // Already finished: nothing of ours was in it.
  }
}

/**
 * The head as `all()` hands it to `verifyChain`: raw (verifyChain checks its
 * shape), null for an empty log, and the empty head when entries exist
 * without one, so that a deleted head fails verification instead of
 * switching off the truncation check.
 */
function rawHead(stored: unknown, entryCount: number): LogHead | null {
  if (stored !== undefined) return stored as LogHead;
  return entryCount > 0 ? EMPTY_HEAD : null;
}

/** For `head()`: the empty head before the first append, null when the stored one is unreadable. */
function readHead(raw: unknown): LogHead | null {
  return raw === undefined ? EMPTY_HEAD : parseLogHead(raw);
}

function readCursor(raw: unknown): SyncCursor {
  return parseSyncCursor(raw) ?? INITIAL_SYNC_CURSOR;
}

function copyCursor(s: SyncCursor): SyncCursor {
  return {
    schema: s.schema,
    syncedSeq: s.syncedSeq,
    lastAttempt: s.lastAttempt,
    lastError: s.lastError,
  };
}

/**
 * The same store in memory (the demo device's log lives as long as the
 * page; tests). Same keys and semantics; values are copied in and out as
 * IndexedDB would. `records` is exposed so tests can damage it.
 */
export function memoryUpdateLogStore(
  records = new Map<string, unknown>(),
): UpdateLogStore & { readonly records: Map<string, unknown> } {
  const read = (key: string): unknown => structuredClone(records.get(key));
  const entryKeys = (afterSeq: number) => {
    const from = logEntryKey(afterSeq);
    return [...records.keys()].filter((k) => k > from && k < ENTRY_END).sort();
  };
  // Each operation runs whole in one microtask, as atomic as the IndexedDB transaction; a throw becomes a rejection.
  const later = <T>(run: () => T) => Promise.resolve().then(run);
  return {
    records,
    append: (draft, id) =>
      later(() => {
        const { entry, head } = planAppend(
          read(HEAD_KEY),
          seqOfKey(entryKeys(0).at(-1)),
          draft,
          id,
        );
        records.set(logEntryKey(entry.seq), structuredClone(entry));
        records.set(HEAD_KEY, structuredClone(head));
        return entry;
      }).catch((error: unknown) => {
        throw storageError(error, 'the update log', NOT_RECORDED);
      }),
    all: () =>
      later(() => {
        const entries = entryKeys(0).map(read);
        return { entries, head: rawHead(read(HEAD_KEY), entries.length) };
      }),
    head: () => later(() => readHead(read(HEAD_KEY))),
    since: (seq, limit) =>
      later(() =>
        parseEntriesAfter(seq, (limit < 1 ? [] : entryKeys(seq).slice(0, limit)).map(read)),
      ),
    syncState: () => later(() => readCursor(read(SYNC_KEY))),
    setSyncState: (s) =>
      later(() => {
        records.set(SYNC_KEY, copyCursor(s));
      }),
  };
}
