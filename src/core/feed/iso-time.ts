/**
 * Feed timestamps: ISO-8601 in UTC only, `2025-06-01T12:00:00Z` (fraction
 * optional). `Date.parse` alone is too lenient: it takes local-time forms and
 * engine-specific formats, and rolls 31 February over to March, so one feed
 * could expire at different instants on different devices. Here the text
 * must name exactly one instant, the same everywhere.
 * @module
 */

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Milliseconds since the epoch, or null when `text` is not a valid ISO-8601 UTC time. */
export function parseIsoUtc(text: string): number | null {
  const m = ISO_UTC.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC normalises out-of-range parts (month 13, hour 24, 30 February);
  // reading them back tells a real date from a rolled-over one.
  const d = new Date(time);
  const exact =
    d.getUTCFullYear() === year &&
    d.getUTCMonth() === month - 1 &&
    d.getUTCDate() === day &&
    d.getUTCHours() === hour &&
    d.getUTCMinutes() === minute &&
    d.getUTCSeconds() === second;
  return exact ? time : null;
}

/** The canonical form fieldflash writes: whole seconds, `Z`. */
export function formatIsoUtc(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
