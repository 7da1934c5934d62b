/**
 * The log as CSV for spreadsheets: RFC 4180 (CRLF line ends, a field quoted
 * when it holds a comma, a quote or a line break, quotes doubled), a header
 * row, every field, null as an empty cell.
 *
 * Spreadsheet formula injection: a device name or note such as
 * `=HYPERLINK(…)` would run as a formula when the file is opened. A cell
 * that starts with = + - @, a tab or a carriage return therefore gets a
 * leading apostrophe (OWASP's advice), which spreadsheets show as text. That
 * changes the text, so the CSV is for reading; the JSON export is the
 * faithful, verifiable copy.
 * @module
 */
import { ENTRY_FIELDS, type LogEntry } from './entry.ts';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function logToCsv(entries: readonly LogEntry[]): string {
  const rows = [ENTRY_FIELDS.map(cell), ...entries.map((e) => ENTRY_FIELDS.map((f) => cell(e[f])))];
  return rows.map((r) => `${r.join(',')}\r\n`).join('');
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
