/**
 * The log as one JSON document: the faithful copy. It holds every entry
 * with its hashes and the head, so whoever reads it can re-verify the chain
 * (`verifyChain(doc.entries, doc.head)`, or the same canonical-JSON SHA-256
 * in any language). Export the whole log for that: a filtered selection has
 * gaps and will not verify.
 * @module
 */
import { ENTRY_FIELDS, LOG_SCHEMA, type LogEntry, type LogHead } from './entry.ts';

export const LOG_EXPORT_FORMAT = 'fieldflash-update-log';

/** `exportedAt`: ISO-8601 UTC, from the caller's clock. */
export function logToJson(entries: readonly LogEntry[], head: LogHead, exportedAt: string): string {
  const doc = {
    format: LOG_EXPORT_FORMAT,
    schema: LOG_SCHEMA,
    exportedAt,
    head: { seq: head.seq, hash: head.hash },
    // Fields in one fixed order, whatever order the objects were built in, for readable diffs.
    entries: entries.map((e) => Object.fromEntries(ENTRY_FIELDS.map((f) => [f, e[f]]))),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
