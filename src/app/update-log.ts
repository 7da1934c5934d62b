/**
 * The field update log in the page: every update attempt recorded in
 * IndexedDB (hash-chained, core/log), read back with its chain checked,
 * exported as CSV or JSON files, and sent to the configured endpoint when
 * online (app/log-sync.ts). A failure to record is reported, never hidden.
 * @module
 */
import {
  logToCsv,
  logToJson,
  parseLogEntry,
  verifyChain,
  type ChainCheck,
  type LogEntry,
  type LogEntryDraft,
  type UpdateLogStore,
} from '../core/log/index.ts';
import { idbUpdateLogStore } from '../store/update-log-idb.ts';
import { LOG_SYNC_ENDPOINT } from './fieldflash.config.ts';
import type { LogSyncState } from './log-sync.ts';

let store: UpdateLogStore | null = null;
export const logStore = (): UpdateLogStore => (store ??= idbUpdateLogStore());

const listeners = new Set<() => void>();

/** Called after every new entry (the log view refreshes, a sync starts). */
export function onLogChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const newId = () =>
  globalThis.crypto?.randomUUID?.() ??
  `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

export async function recordAttempt(draft: LogEntryDraft): Promise<LogEntry> {
  const entry = await logStore().append(draft, newId());
  for (const l of listeners) l();
  return entry;
}

export interface LogView {
  /** Every entry that could be read, in order. */
  readonly entries: LogEntry[];
  readonly check: ChainCheck;
}

const readable = (raw: readonly unknown[]) =>
  raw.map(parseLogEntry).filter((e): e is LogEntry => e !== null);

export async function readLog(): Promise<LogView> {
  const { entries, head } = await logStore().all();
  return { entries: readable(entries), check: verifyChain(entries, head) };
}

const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

/** The log as a file the browser saves (CSV for spreadsheets, JSON to verify or import). */
export async function exportLog(format: 'csv' | 'json'): Promise<{ name: string; text: string }> {
  const { entries, head } = await logStore().all();
  const parsed = readable(entries);
  const last = parsed.at(-1);
  const text =
    format === 'csv'
      ? // A byte-order mark, so spreadsheet programs read device names as UTF-8.
        `\uFEFF${logToCsv(parsed)}`
      : logToJson(
          parsed,
          head ?? { seq: last?.seq ?? 0, hash: last?.hash ?? '0'.repeat(64) },
          new Date().toISOString(),
        );
  return { name: `fieldflash-log-${stamp()}.${format}`, text };
}

/** Hands a text file to the browser's download. */
export function saveFile(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const ENDPOINT_KEY = 'fieldflash.logSyncEndpoint';

/** Where the log is sent: the user's setting, else the build's; null = not synced. */
export function syncEndpoint(): string | null {
  try {
    return globalThis.localStorage?.getItem(ENDPOINT_KEY) || LOG_SYNC_ENDPOINT;
  } catch {
    return LOG_SYNC_ENDPOINT;
  }
}

export function setSyncEndpoint(url: string | null): void {
  try {
    if (url) globalThis.localStorage?.setItem(ENDPOINT_KEY, url);
    else globalThis.localStorage?.removeItem(ENDPOINT_KEY);
  } catch {
    // Private mode: the build's endpoint (if any) stays in use.
  }
}

export type { LogSyncState } from './log-sync.ts';

/**
 * Keeps the log synced while the page is open: now, whenever the browser
 * comes online, and after every new entry. One sync at a time; a sync that
 * is waiting to retry is cut short by a new trigger. Returns the stop function.
 */
export function keepLogSynced(onState: (s: LogSyncState) => void): () => void {
  const controller = new AbortController();
  let running: AbortController | null = null;
  let again = false;
  const run = async () => {
    const endpoint = syncEndpoint();
    if (!endpoint || controller.signal.aborted) return;
    if (running) {
      again = true;
      running.abort(); // wake a back-off wait: the new trigger sends now
      return;
    }
    running = new AbortController();
    const signal = AbortSignal.any([controller.signal, running.signal]);
    try {
      const { syncLog } = await import('./log-sync.ts');
      await syncLog({
        store: logStore(),
        endpoint,
        fetch: globalThis.fetch.bind(globalThis),
        signal,
        onState,
      });
    } catch (error) {
      if (!signal.aborted)
        onState({ phase: 'rejected', synced: 0, pending: 0, error: (error as Error).message });
    } finally {
      running = null;
      if (again && !controller.signal.aborted) {
        again = false;
        void run();
      }
    }
  };
  const online = () => void run();
  globalThis.addEventListener?.('online', online);
  const unsubscribe = onLogChanged(online);
  void run();
  return () => {
    controller.abort();
    globalThis.removeEventListener?.('online', online);
    unsubscribe();
  };
}
