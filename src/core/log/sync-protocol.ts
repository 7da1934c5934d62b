/**
 * The pure half of the log sync (the loop that sends is src/app/log-sync.ts,
 * where the protocol is described): which endpoints are allowed, the batch
 * body and its idempotency key, what a status means, how long to wait.
 * @module
 */
import { LOG_SCHEMA, type LogEntry } from './entry.ts';
import { SyncEndpointError } from './errors.ts';

export const LOG_BATCH_FORMAT = 'fieldflash-update-log-batch';

/** First retry after about a second, doubling, never more than 5 minutes apart. */
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_CAP_MS = 5 * 60_000;
/** A Retry-After further out than this is read as this (a server's mistake must not stop sync for days). */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The endpoint as a URL, or SyncEndpointError. Only https: carries the log
 * off the phone (it names devices and sites); plain http: is allowed to the
 * loopback address only, for a server on the same machine (tests, a local
 * collector). Credentials in the URL are refused: fetch would not send them.
 */
export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SyncEndpointError(endpoint, 'it is not a web address');
  }
  if (url.username !== '' || url.password !== '') {
    throw new SyncEndpointError(endpoint, 'it holds a user name or password');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url;
  throw new SyncEndpointError(
    endpoint,
    url.protocol === 'http:'
      ? 'plain http would send it unencrypted (allowed only to localhost)'
      : `${url.protocol} is not a web address`,
  );
}

/** The request body: entries in seq order, as stored. */
export function batchBody(entries: readonly LogEntry[]): string {
  return JSON.stringify({ format: LOG_BATCH_FORMAT, schema: LOG_SCHEMA, entries });
}

/** The same batch always has the same key, so a server can also dedupe whole requests. */
export function idempotencyKey(entries: readonly LogEntry[]): string {
  return `${entries[0]?.hash ?? ''}..${entries.at(-1)?.hash ?? ''}`;
}

export type StatusMeaning = 'stored' | 'retry' | 'too-large' | 'rejected';

/**
 * 2xx: the whole batch is stored. 408, 429, 5xx: the server may take it
 * later. 413: the batch is too large (the sender halves it). Anything else
 * (other 4xx, a redirect, which `redirect: 'manual'` surfaces as 3xx or as
 * status 0 in browsers): retrying will not help, so a person must look.
 */
export function statusMeaning(status: number): StatusMeaning {
  if (status >= 200 && status <= 299) return 'stored';
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'retry';
  if (status === 413) return 'too-large';
  return 'rejected';
}

/**
 * The wait before retry number `failures` (1 for the first): exponential,
 * with "equal jitter" (between half and all of the doubled step) so that
 * many phones coming back online together spread out, while each wait is
 * still at least as long as the one before until the cap (then between 2.5
 * and 5 min). `random` is in [0, 1).
 */
export function backoffMs(failures: number, random: number): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, failures - 1));
  const r = random >= 0 && random < 1 ? random : 0.5; // a broken source must not make the wait NaN (= no wait)
  return Math.round(step / 2 + (step / 2) * r);
}

/**
 * A Retry-After header in milliseconds from `nowMs`: delay-seconds or an
 * HTTP date (RFC 9110 10.2.3); null when absent or unreadable.
 */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  if (Number.isNaN(ms)) return null;
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, ms));
}
