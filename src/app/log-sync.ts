/**
 * Sends the update log to a configured HTTPS endpoint, in batches, retrying
 * until the server has every entry. fetch, the sleep, the randomness and the
 * clock are passed in (Date.now, Math.random and a setTimeout sleep are only
 * defaults; the per-request timeout is the one timer of its own), so the
 * whole loop runs in Node against a local server in tests.
 *
 * Protocol (one request per batch):
 *
 *     POST <endpoint>
 *     content-type: application/json
 *     idempotency-key: <hash of the first entry>..<hash of the last>
 *
 *     {"format":"fieldflash-update-log-batch","schema":1,"entries":[…]}
 *
 * - `entries` are whole log entries (src/core/log/entry.ts), in seq order,
 *   starting right after the last batch the server acknowledged. Each
 *   carries `seq`, `prevHash` and `hash`, so a server can check that a
 *   batch links onto what it already holds (see src/core/log/chain.ts for
 *   the canonical JSON the hash covers).
 * - Any 2xx means the server has stored the whole batch. Only then does the
 *   phone's cursor move past it.
 * - The server MUST treat an entry's `id` (and `hash`) as idempotent: a batch
 *   is sent again whenever its answer is lost (a dropped connection, a closed
 *   tab, a crash before the cursor was saved), and storing it again must not
 *   create duplicates.
 * - 408, 429, 5xx and network errors: sent again after an exponential
 *   backoff with jitter (about 1 s, doubling, at most 5 min apart), never
 *   sooner than a Retry-After header asks. 413: the batch is halved.
 * - Any other status, redirects included, stops the sync with
 *   SyncRejectedError (`log-sync-rejected`): the server or its address needs
 *   a person. Nothing is dropped; the next sync starts from the cursor.
 * - Only https: endpoints (http: to localhost / 127.0.0.1 for tests and
 *   local collectors). A browser app on another origin needs the server to
 *   answer CORS preflights allowing POST with `content-type` and
 *   `idempotency-key`.
 *
 * An entry is never skipped: one that cannot be read stops the sync with
 * LogDamagedError at that seq.
 * @module
 */
import {
  backoffMs,
  batchBody,
  checkEndpoint,
  idempotencyKey,
  retryAfterMs,
  statusMeaning,
  SYNC_CURSOR_SCHEMA,
  SyncGaveUpError,
  SyncRejectedError,
  type LogEntry,
} from '../core/log/index.ts';
import type { UpdateLogStore } from '../store/update-log-idb.ts';

export interface LogSyncOptions {
  readonly store: UpdateLogStore;
  readonly endpoint: string;
  readonly fetch: typeof fetch;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Entries per request; default 100. */
  readonly batchSize?: number;
  /** Failed requests in a row before giving up with SyncGaveUpError; default unlimited. */
  readonly maxAttempts?: number;
  /** A request without an answer after this long counts as a network error; default 60 s. */
  readonly requestTimeoutMs?: number;
  readonly onState?: (s: LogSyncState) => void;
}

export type LogSyncState = {
  phase: 'idle' | 'sending' | 'waiting' | 'done' | 'rejected';
  /** Entries the server holds (the cursor). */
  synced: number;
  /** Entries not yet acknowledged. */
  pending: number;
  retryInMs?: number;
  error?: string;
};

/** What one request came to. */
type Outcome =
  | { readonly kind: 'stored' }
  | { readonly kind: 'retry'; readonly error: string; readonly retryAfterMs: number | null }
  | { readonly kind: 'too-large' | 'rejected'; readonly status: number; readonly body: string };

interface Run {
  readonly options: LogSyncOptions;
  readonly url: URL;
  readonly now: () => number;
  readonly emit: (s: LogSyncState) => void;
}

/**
 * Sends every entry after the cursor, batch by batch, until none is left
 * (entries appended meanwhile included). Resolves with the entries sent in
 * this call and the cursor at the end; rejects with SyncEndpointError,
 * SyncRejectedError, SyncGaveUpError, a storage error, or the signal's
 * reason (no timer left behind).
 */
export async function syncLog(options: LogSyncOptions): Promise<{ sent: number; synced: number }> {
  const run: Run = {
    options,
    url: checkEndpoint(options.endpoint),
    now: options.now ?? Date.now,
    emit: options.onState ?? (() => undefined),
  };
  const { store, signal } = options;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  let batchSize = Math.max(1, options.batchSize ?? 100);
  let sent = 0;
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    const cursor = await store.syncState();
    const batch = await store.since(cursor.syncedSeq, batchSize);
    const pending = Math.max(batch.length, ((await store.head())?.seq ?? 0) - cursor.syncedSeq);
    const state = { synced: cursor.syncedSeq, pending };
    if (batch.length === 0) {
      run.emit({ phase: 'done', ...state });
      return { sent, synced: cursor.syncedSeq };
    }
    run.emit({ phase: 'sending', ...state });
    const outcome = await post(run, batch);
    const last = batch.at(-1) as LogEntry;
    if (outcome.kind === 'stored') {
      await store.setSyncState({
        schema: SYNC_CURSOR_SCHEMA,
        syncedSeq: last.seq,
        lastAttempt: run.now(),
        lastError: null,
      });
      sent += batch.length;
      failures = 0;
      continue;
    }
    const error = describeOutcome(outcome);
    await noteFailure(run, error);
    if (outcome.kind === 'too-large' && batch.length > 1) {
      batchSize = Math.ceil(batch.length / 2);
      continue;
    }
    if (outcome.kind !== 'retry') {
      run.emit({ phase: 'rejected', ...state, error });
      throw new SyncRejectedError(outcome.status, outcome.body, cursor.syncedSeq + 1);
    }
    failures++;
    if (failures >= (options.maxAttempts ?? Infinity)) {
      run.emit({ phase: 'idle', ...state, error });
      throw new SyncGaveUpError(failures, error, cursor.syncedSeq + 1);
    }
    const retryInMs = Math.max(backoffMs(failures, random()), outcome.retryAfterMs ?? 0);
    run.emit({ phase: 'waiting', ...state, retryInMs, error });
    await wait(retryInMs, signal);
  }
}

/** One POST of one batch; only the caller's abort escapes as an exception. */
async function post(run: Run, batch: readonly LogEntry[]): Promise<Outcome> {
  const { signal: outer, requestTimeoutMs = 60_000 } = run.options;
  // Called unbound: the browser's fetch throws "Illegal invocation" when called as a method of another object.
  const send = run.options.fetch;
  const request = timeoutSignal(requestTimeoutMs, outer);
  try {
    const response = await send(run.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey(batch) },
      body: batchBody(batch),
      signal: request.signal,
      // A redirected POST may arrive as a GET elsewhere and still answer 2xx: never follow one.
      redirect: 'manual',
      cache: 'no-store',
    });
    const meaning = statusMeaning(response.status);
    if (meaning === 'stored') {
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'stored' };
    }
    const body = await excerpt(response);
    if (meaning === 'retry') {
      return {
        kind: 'retry',
        error: `HTTP ${response.status}${body ? `: ${body}` : ''}`,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), run.now()),
      };
    }
    return { kind: meaning, status: response.status, body };
  } catch (error) {
    if (outer?.aborted) throw abortReason(outer);
    const why = request.timedOut()
      ? `no answer within ${requestTimeoutMs < 1000 ? `${requestTimeoutMs} ms` : `${Math.round(requestTimeoutMs / 1000)} s`}`
      : `network error: ${error instanceof Error ? error.message : String(error)}`;
    return { kind: 'retry', error: why, retryAfterMs: null };
  } finally {
    request.dispose();
  }
}

function describeOutcome(outcome: Exclude<Outcome, { kind: 'stored' }>): string {
  if (outcome.kind === 'retry') return outcome.error;
  return `HTTP ${outcome.status}${outcome.body ? `: ${outcome.body}` : ''}`;
}

/** Keeps the failure on the cursor (for the log screen) without moving it. */
async function noteFailure(run: Run, error: string): Promise<void> {
  const current = await run.options.store.syncState();
  await run.options.store.setSyncState({ ...current, lastAttempt: run.now(), lastError: error });
}

/** The start of an error body, on one line, for the message (a body that cannot be read is left out). */
async function excerpt(response: Response): Promise<string> {
  try {
    const text = (await response.text()).replace(/\s+/g, ' ').trim();
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return '';
  }
}

/** An abort signal for one request: the caller's, plus a timeout; `dispose` clears the timer. */
function timeoutSignal(ms: number, outer?: AbortSignal) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  if (outer?.aborted) onAbort();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('request timed out'));
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

/** The default wait: `ms`, or until the abort (with its reason), leaving no timer either way. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const abort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}

function abortReason(signal?: AbortSignal): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}
