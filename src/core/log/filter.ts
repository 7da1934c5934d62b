/**
 * Filtering the log for the log screen: free text, result, time range.
 * @module
 */
import type { LogEntry, LogResult } from './entry.ts';

export interface LogFilter {
  /** Matched, case-insensitively, anywhere in the device, its name, board, versions, image hash and error code. */
  readonly text?: string;
  readonly result?: LogResult;
  /** Entries that started at or after this time (anything `Date.parse` reads, e.g. "2025-05-01" = midnight UTC). */
  readonly since?: string;
  /** Entries that started before this time. An unreadable bound is ignored, like an empty one. */
  readonly until?: string;
}

const SEARCHED = [
  'device',
  'deviceName',
  'board',
  'fromVersion',
  'toVersion',
  'imageHash',
  'errorCode',
] as const satisfies readonly (keyof LogEntry)[];

/** The entries that match every given criterion, in their order. */
export function filterEntries(entries: readonly LogEntry[], filter: LogFilter): LogEntry[] {
  const text = filter.text?.trim().toLowerCase() ?? '';
  // Times are compared as instants, not as text: "…:00Z" and "…:00.500Z" sort wrongly as strings.
  const since = bound(filter.since);
  const until = bound(filter.until);
  return entries.filter((e) => {
    if (filter.result !== undefined && e.result !== filter.result) return false;
    if (since !== null || until !== null) {
      const t = Date.parse(e.time);
      if (since !== null && !(t >= since)) return false;
      if (until !== null && !(t < until)) return false;
    }
    return text === '' || SEARCHED.some((f) => e[f]?.toLowerCase().includes(text) === true);
  });
}

function bound(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}
