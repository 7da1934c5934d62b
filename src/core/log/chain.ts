/**
 * The hash chain. Each entry's `hash` is the SHA-256 of the canonical JSON
 * of all its other fields, `prevHash` included, so each entry commits to the
 * whole log before it; the head (last seq and hash) is stored beside the
 * entries and moves with every append.
 *
 * What this proves, honestly: the chain detects an entry edited, deleted,
 * inserted or moved after it was written (an accident, a bug, a casual edit
 * in the browser's developer tools), and, against the stored head and the
 * copy a sync server holds, a removed tail. It is not a signature: anyone
 * who can rewrite the whole IndexedDB database can recompute every hash and
 * the head, and the phone alone cannot tell. Only entries already sent to a
 * server (which can check that each new batch links to what it has) are out
 * of reach of someone holding the phone.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '../bytes.ts';
import { canonicalJson } from './canonical.ts';
import {
  EMPTY_HEAD,
  invalidDraftField,
  LOG_SCHEMA,
  parseLogHead,
  pickDraft,
  type LogEntry,
  type LogEntryDraft,
  type LogHead,
} from './entry.ts';
import { LogDamagedError, LogEntryInvalidError } from './errors.ts';

/** SHA-256 (hex) of the canonical JSON of every field of `record` but `hash`. */
export function entryHash(record: object): string {
  const { hash: _hash, ...covered } = record as Readonly<Record<string, unknown>>;
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(covered))));
}

/** The entry that follows `prev` in the chain. Throws when the draft or the id cannot be recorded. */
export function chainEntry(prev: LogHead, draft: LogEntryDraft, id: string): LogEntry {
  const head = parseLogHead(prev);
  if (!head) throw new LogDamagedError('its head record is unreadable', 0);
  const bad = invalidDraftField(draft as unknown as Readonly<Record<string, unknown>>);
  if (bad !== null)
    throw new LogEntryInvalidError(bad, (draft as unknown as Record<string, unknown>)[bad]);
  if (typeof id !== 'string' || id === '') throw new LogEntryInvalidError('id', id);
  const unhashed = {
    seq: head.seq + 1,
    ...pickDraft(draft),
    id,
    schema: LOG_SCHEMA,
    prevHash: head.hash,
  } as const;
  return { ...unhashed, hash: entryHash(unhashed) };
}

/**
 * What a store writes to append: the entry and the new head, decided from
 * what it read in the same transaction (the stored head, raw, and the seq of
 * the last stored entry, 0 when none). A head that is missing while entries
 * exist, unreadable, or not at the last entry means the log was changed
 * outside fieldflash: appending would write over an entry or hide the
 * damage, so it refuses.
 */
export function planAppend(
  storedHead: unknown,
  lastSeq: number,
  draft: LogEntryDraft,
  id: string,
): { entry: LogEntry; head: LogHead } {
  const head = storedHead === undefined && lastSeq === 0 ? EMPTY_HEAD : parseLogHead(storedHead);
  if (!head) {
    throw new LogDamagedError('its head record is missing or unreadable', lastSeq);
  }
  if (head.seq !== lastSeq) {
    throw new LogDamagedError(
      `its head says ${head.seq} entries, but the last stored entry is #${lastSeq}`,
      lastSeq,
    );
  }
  const entry = chainEntry(head, draft, id);
  return { entry, head: { seq: entry.seq, hash: entry.hash } };
}
