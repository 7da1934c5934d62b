/**
 * The update log stores: IndexedDB through idb-keyval (here on
 * fake-indexeddb) and memory, run through the same suite. Appends are
 * atomic and serialised (one unbroken chain however many run at once), the
 * log survives a new store instance, damage is reported rather than written
 * over, and storage failures arrive as the typed errors.
 */
import 'fake-indexeddb/auto';
import { createStore, del, set } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EMPTY_HEAD,
  INITIAL_SYNC_CURSOR,
  LogDamagedError,
  verifyChain,
  type LogEntryDraft,
} from '../../src/core/log/index.ts';
import { StorageFullError, StorageUnavailableError, storageError } from '../../src/store/errors.ts';
import {
  idbUpdateLogStore,
  logEntryKey,
  memoryUpdateLogStore,
  UPDATE_LOG_DB,
  type UpdateLogStore,
} from '../../src/store/update-log-idb.ts';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const draft: LogEntryDraft = {
  time: '2025-05-01T09:30:00.000Z',
  device: 'bluetooth:abc',
  deviceName: 'Pump 7',
  board: null,
  fromVersion: '0.9.0+0',
  toVersion: '1.0.0+0',
  imageHash: 'ab'.repeat(32),
  transport: 'bluetooth',
  bytes: 1000,
  durationMs: 2000,
  resumes: 0,
  result: 'updated',
  errorCode: null,
  note: null,
};

/** A store, a way to open it again (same data), and raw access to its records to damage them. */
interface Subject {
  readonly store: UpdateLogStore;
  reopen(): UpdateLogStore;
  put(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

let dbCount = 0;
const kinds: [string, () => Subject][] = [
  [
    'IndexedDB',
    () => {
      const name = `fieldflash-log-test-${++dbCount}`;
      const raw = createStore(name, 'entries');
      return {
        store: idbUpdateLogStore(name),
        reopen: () => idbUpdateLogStore(name),
        put: (k, v) => set(k, v, raw),
        remove: (k) => del(k, raw),
      };
    },
  ],
  [
    'memory',
    () => {
      const records = new Map<string, unknown>();
      return {
        store: memoryUpdateLogStore(records),
        reopen: () => memoryUpdateLogStore(records),
        put: (k, v) => Promise.resolve(void records.set(k, v)),
        remove: (k) => Promise.resolve(void records.delete(k)),
      };
    },
  ],
];

describe.each(kinds)('%s update log store', (_kind, make) => {
  it('appends, reads all for verification, and reads entries after a seq', async () => {
    const { store } = make();
    expect(await store.all()).toEqual({ entries: [], head: null });
    expect(await store.head()).toEqual(EMPTY_HEAD);
    const first = await store.append(draft, 'a1');
    const second = await store.append({ ...draft, result: 'failed', errorCode: 'x' }, 'a2');
    const third = await store.append({ ...draft, deviceName: 'Pump 8' }, 'a3');
    expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
    expect(second.prevHash).toBe(first.hash);
    const { entries, head } = await store.all();
    expect(entries).toEqual([first, second, third]);
    expect(head).toEqual({ seq: 3, hash: third.hash });
    expect(await store.head()).toEqual({ seq: 3, hash: third.hash });
    expect(verifyChain(entries, head)).toEqual({ ok: true, count: 3, head });
    expect(await store.since(0, 100)).toEqual([first, second, third]);
    expect(await store.since(1, 1)).toEqual([second]);
    expect(await store.since(3, 100)).toEqual([]);
    expect(await store.since(0, 0)).toEqual([]);
  });

  it('20 appends at once form one unbroken chain', async () => {
    const { store } = make();
    const appended = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append({ ...draft, bytes: i }, `c${i}`)),
    );
    expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const { entries, head } = await store.all();
    expect(verifyChain(entries, head)).toMatchObject({ ok: true, count: 20 });
    expect(new Set(appended.map((e) => e.id)).size).toBe(20);
  });

  it('keeps the log for the next store instance (a reload)', async () => {
    const subject = make();
    await subject.store.append(draft, 'p1');
    await subject.store.setSyncState({ ...INITIAL_SYNC_CURSOR, syncedSeq: 1 });
    const again = subject.reopen();
    const next = await again.append(draft, 'p2');
    expect(next.seq).toBe(2);
    const { entries, head } = await again.all();
    expect(verifyChain(entries, head)).toMatchObject({ ok: true, count: 2 });
    expect(await again.syncState()).toMatchObject({ syncedSeq: 1 });
  });

  it('keeps the sync cursor; an unreadable one reads as the start (a resend the server dedupes)', async () => {
    const subject = make();
    const { store } = subject;
    expect(await store.syncState()).toEqual(INITIAL_SYNC_CURSOR);
    const cursor = {
      schema: 1,
      syncedSeq: 7,
      lastAttempt: 1_700_000_000_000,
      lastError: 'HTTP 503',
    } as const;
    await store.setSyncState(cursor);
    expect(await store.syncState()).toEqual(cursor);
    await subject.put('sync', { schema: 1, syncedSeq: -3 });
    expect(await store.syncState()).toEqual(INITIAL_SYNC_CURSOR);
  });

  it('stores entries under zero-padded seq keys, in key order', async () => {
    const subject = make();
    for (let i = 0; i < 12; i++) await subject.store.append(draft, `k${i}`);
    expect(logEntryKey(12)).toBe('entry:0000000012');
    const { entries } = await subject.store.all();
    expect(entries.map((e) => (e as { seq: number }).seq)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  });

  it('a deleted head: verification fails and appending refuses instead of overwriting entry #1', async () => {
    const subject = make();
    const first = await subject.store.append(draft, 'h1');
    await subject.store.append(draft, 'h2');
    await subject.remove('head');
    const { entries, head } = await subject.store.all();
    expect(head).toEqual(EMPTY_HEAD);
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, problem: 'edited', seq: 1 });
    await expect(subject.store.append(draft, 'h3')).rejects.toThrow(LogDamagedError);
    expect((await subject.store.since(0, 1))[0]).toEqual(first);
  });

  it('a truncated tail: verification says so; appending refuses', async () => {
    const subject = make();
    await subject.store.append(draft, 't1');
    await subject.store.append(draft, 't2');
    await subject.remove(logEntryKey(2));
    const { entries, head } = await subject.store.all();
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, problem: 'truncated', seq: 2 });
    await expect(subject.store.append(draft, 't3')).rejects.toMatchObject({ code: 'log-damaged' });
  });

  it('since() stops at an entry it cannot read or a gap, never skipping it', async () => {
    const subject = make();
    for (const id of ['s1', 's2', 's3']) await subject.store.append(draft, id);
    await subject.put(logEntryKey(2), { garbage: true });
    await expect(subject.store.since(0, 10)).rejects.toMatchObject({ code: 'log-damaged', seq: 2 });
    await subject.remove(logEntryKey(2));
    await expect(subject.store.since(1, 10)).rejects.toMatchObject({ code: 'log-damaged', seq: 2 });
    expect(await subject.store.since(2, 10)).toHaveLength(1);
  });

  it('refuses an invalid draft and writes nothing', async () => {
    const { store } = make();
    await expect(store.append({ ...draft, bytes: -1 }, 'x')).rejects.toMatchObject({
      code: 'log-entry-invalid',
      field: 'bytes',
    });
    expect(await store.all()).toEqual({ entries: [], head: null });
  });
});

describe('IndexedDB failures', () => {
  it('uses its own database', async () => {
    await idbUpdateLogStore().append(draft, 'own');
    const dbs = await indexedDB.databases();
    expect(dbs.map((d) => d.name)).toContain(UPDATE_LOG_DB);
  });

  it('storage that cannot be opened (private mode, blocked): StorageUnavailableError saying the attempt was not recorded', async () => {
    vi.stubGlobal('indexedDB', {
      open: () => {
        throw new DOMException(
          'The user denied permission to access the database.',
          'SecurityError',
        );
      },
    });
    const store = idbUpdateLogStore('fieldflash-log-blocked');
    const error = await store.append(draft, 'b1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error).toMatchObject({
      code: 'storage-unavailable',
      detail: 'SecurityError: The user denied permission to access the database.',
    });
    expect((error as Error).message).toMatch(/not recorded in the update log/);
    await expect(store.all()).rejects.toMatchObject({ code: 'storage-unavailable' });
  });

  it('a full disk on the head write: StorageFullError, and the entry is not left without its head', async () => {
    const name = `fieldflash-log-test-${++dbCount}`;
    const store = idbUpdateLogStore(name);
    await store.append(draft, 'q1');
    const put = Reflect.get<IDBObjectStore, 'put'>(IDBObjectStore.prototype, 'put');
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      if (key === 'head') throw new DOMException('Quota exceeded', 'QuotaExceededError');
      return put.call(this, value, key);
    });
    const error = await store.append(draft, 'q2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toMatch(/full.*not recorded.*remove cached firmware/s);
    vi.restoreAllMocks();
    const { entries, head } = await store.all();
    expect(verifyChain(entries, head)).toMatchObject({ ok: true, count: 1 });
    expect((await store.append(draft, 'q3')).seq).toBe(2);
  });

  it('storageError: quota → full, anything else → unavailable, typed errors unchanged', () => {
    const full = storageError(new DOMException('q', 'QuotaExceededError'), 'the firmware');
    expect(full).toBeInstanceOf(StorageFullError);
    expect(full.message).toMatch(/the firmware could not be saved/);
    expect(storageError(new Error('x'), 'the keys')).toBeInstanceOf(StorageUnavailableError);
    expect(storageError('odd', 'the keys')).toMatchObject({ code: 'storage-unavailable' });
    const typed = new LogDamagedError('x', 1);
    expect(storageError(typed, 'the update log')).toBe(typed);
  });
});
