/**
 * Checking a stored (or exported) log against its chain and head. What a
 * passing check proves is in chain.ts: no entry was changed, removed or
 * moved by anyone who did not also rewrite every later hash and the head.
 * @module
 */
import { entryHash } from './chain.ts';
import { EMPTY_HEAD, isStoredEntry, parseLogHead, type LogHead } from './entry.ts';

export type ChainProblem =
  /** An entry's fields do not match its hash, or it no longer links to its successor or the head. */
  | 'edited'
  /** Entries are absent from the middle or the start of the log. */
  | 'missing'
  /** An entry stands where another belongs, or appears twice. */
  | 'reordered'
  /** The head says the log is longer than the entries found: its tail was removed. */
  | 'truncated'
  /** Something that is not a log entry (or head) this version can read. */
  | 'malformed';

export type ChainCheck =
  | { ok: true; count: number; head: LogHead }
  | { ok: false; problem: ChainProblem; seq: number; detail: string };

type Fail = Extract<ChainCheck, { ok: false }>;

const fail = (problem: ChainProblem, seq: number, detail: string): Fail => ({
  ok: false,
  problem,
  seq,
  detail,
});

/**
 * Verifies entries as read from storage, in key (= seq) order, against the
 * head kept beside them. `head` null means there is none to compare with
 * (then a removed tail cannot show); it is checked for shape, since it too
 * comes from storage or a file. The first problem found is reported, with the
 * seq it concerns (the seq the entry at that place should have).
 */
export function verifyChain(entries: readonly unknown[], head: LogHead | null): ChainCheck {
  const seqs = entries.map((e) => (isStoredEntry(e) ? (e['seq'] as number) : null));
  let last = EMPTY_HEAD;
  for (const [i, raw] of entries.entries()) {
    const expected = last.seq + 1;
    if (!isStoredEntry(raw)) {
      return fail(
        'malformed',
        expected,
        `record ${i + 1} is not a log entry this version can read`,
      );
    }
    if (entryHash(raw) !== raw['hash']) {
      return fail('edited', expected, `entry #${expected} does not match its hash: it was changed`);
    }
    const seq = raw['seq'] as number;
    if (seq !== expected) return misplaced(seqs, i, expected);
    if (raw['prevHash'] !== last.hash) {
      const at = Math.max(last.seq, 1);
      return fail(
        'edited',
        at,
        last.seq === 0
          ? 'entry #1 does not start the chain: it was changed and its hash recomputed'
          : `entry #${seq} does not link to #${last.seq}: #${last.seq} was replaced and its hash recomputed`,
      );
    }
    last = { seq, hash: raw['hash'] };
  }
  if (head === null) return { ok: true, count: entries.length, head: last };
  return againstHead(last, parseLogHead(head)) ?? { ok: true, count: entries.length, head: last };
}

/** The entry at index `i` has another seq than `expected`: a gap, a swap or a repeat. */
function misplaced(seqs: readonly (number | null)[], i: number, expected: number): Fail {
  const seq = seqs[i] as number;
  if (seqs.indexOf(expected, i + 1) > i) {
    return fail('reordered', expected, `entry #${seq} stands where #${expected} belongs`);
  }
  if (seq > expected) {
    const range =
      seq - 1 === expected ? `entry #${expected} is` : `entries #${expected} to #${seq - 1} are`;
    return fail('missing', expected, `${range} missing`);
  }
  return fail('reordered', seq, `entry #${seq} appears again after #${expected - 1}`);
}

function againstHead(last: LogHead, head: LogHead | null): Fail | null {
  if (!head) return fail('malformed', last.seq, "the log's head record is unreadable");
  if (head.seq > last.seq) {
    const range =
      head.seq === last.seq + 1 ? `#${head.seq} is` : `#${last.seq + 1} to #${head.seq} are`;
    return fail(
      'truncated',
      last.seq + 1,
      `the log's head says ${head.seq} entries; ${range} gone`,
    );
  }
  if (head.seq < last.seq) {
    return fail(
      'edited',
      head.seq + 1,
      `entries from #${head.seq + 1} on are beyond the log's head (#${head.seq}): they were added outside fieldflash, or the head was rolled back`,
    );
  }
  if (head.hash !== last.hash) {
    return fail(
      'edited',
      last.seq,
      `the last entry (#${last.seq}) does not match the log's head: it was replaced`,
    );
  }
  return null;
}
