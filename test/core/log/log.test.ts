/**
 * core/log: the hash chain (pinned against an independent computation),
 * verification and every kind of tampering it reports, strict parsing, CSV
 * and JSON export, filtering, and the sync protocol's pure decisions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  BACKOFF_CAP_MS,
  canonicalJson,
  chainEntry,
  checkEndpoint,
  EMPTY_HEAD,
  ENTRY_FIELDS,
  entryHash,
  filterEntries,
  idempotencyKey,
  LOG_EXPORT_FORMAT,
  LOG_SCHEMA,
  LogDamagedError,
  LogEntryInvalidError,
  logToCsv,
  logToJson,
  parseLogEntry,
  parseLogHead,
  planAppend,
  retryAfterMs,
  statusMeaning,
  SyncEndpointError,
  verifyChain,
  ZERO_HASH,
  type LogEntry,
  type LogEntryDraft,
  type LogHead,
} from '../../../src/core/log/index.ts';

const draft: LogEntryDraft = {
  time: '2025-05-01T09:30:00.000Z',
  device: 'serial:2fe3:0100',
  deviceName: 'Pump 7',
  board: 'nrf52840dk',
  fromVersion: '0.9.0+0',
  toVersion: '1.0.0+0',
  imageHash: 'ab'.repeat(32),
  transport: 'serial',
  bytes: 123456,
  durationMs: 4521,
  resumes: 1,
  result: 'updated',
  errorCode: null,
  note: null,
};

function chain(drafts: readonly LogEntryDraft[]): { entries: LogEntry[]; head: LogHead } {
  let head: LogHead = EMPTY_HEAD;
  const entries = drafts.map((d, i) => {
    const e = chainEntry(head, d, `attempt-${i + 1}`);
    head = { seq: e.seq, hash: e.hash };
    return e;
  });
  return { entries, head };
}

const five = () =>
  chain([
    draft,
    { ...draft, device: 'bluetooth:abc', transport: 'bluetooth', result: 'testing' },
    { ...draft, result: 'failed', errorCode: 'image-reverted', note: 'reverted after test boot' },
    { ...draft, result: 'cancelled', errorCode: 'update-cancelled', time: '2025-05-02T08:00:00Z' },
    { ...draft, result: 'already', bytes: 0, time: '2025-05-03T10:00:00.5Z' },
  ]);

describe('chainEntry', () => {
  it('hashes the canonical JSON of every other field (pinned: Python json.dumps sort_keys + sha256)', () => {
    const e = chainEntry(EMPTY_HEAD, draft, 'attempt-1');
    expect(e).toMatchObject({ seq: 1, schema: 1, id: 'attempt-1', prevHash: ZERO_HASH });
    expect(e.hash).toBe('ec0dcf41515d9d1bbe7ddf7c363ce797f774032dbbd7eafad10110e44f48bd32');
    expect(entryHash(e)).toBe(e.hash);
  });

  it('links each entry to the one before and records only the draft fields', () => {
    const first = chainEntry(EMPTY_HEAD, draft, 'a');
    const second = chainEntry(first, { ...draft, extra: 'not logged' } as LogEntryDraft, 'b');
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    expect(Object.keys(second).sort()).toEqual([...ENTRY_FIELDS].sort());
  });

  it('refuses a draft it cannot record, naming the field', () => {
    const bad: [Partial<Record<keyof LogEntryDraft, unknown>>, string][] = [
      [{ time: '1 May 2025' }, 'time'],
      [{ time: '2025-05-01T09:30:00+02:00' }, 'time'],
      [{ device: '' }, 'device'],
      [{ bytes: -1 }, 'bytes'],
      [{ durationMs: 1.5 }, 'durationMs'],
      [{ imageHash: 'XYZ' }, 'imageHash'],
      [{ result: 'ok' }, 'result'],
      [{ transport: 'usb' }, 'transport'],
      [{ note: undefined }, 'note'],
    ];
    for (const [change, field] of bad) {
      const d = { ...draft, ...change } as LogEntryDraft;
      expect(() => chainEntry(EMPTY_HEAD, d, 'x')).toThrow(LogEntryInvalidError);
      expect(() => chainEntry(EMPTY_HEAD, d, 'x')).toThrow(expect.objectContaining({ field }));
    }
    expect(() => chainEntry(EMPTY_HEAD, draft, '')).toThrow(
      expect.objectContaining({ code: 'log-entry-invalid', field: 'id' }),
    );
  });

  it('planAppend continues from the head and refuses a head that disagrees with the entries', () => {
    expect(planAppend(undefined, 0, draft, 'a').entry.seq).toBe(1);
    const { head } = planAppend(undefined, 0, draft, 'a');
    expect(planAppend(head, 1, draft, 'b').entry).toMatchObject({ seq: 2, prevHash: head.hash });
    expect(() => planAppend(undefined, 3, draft, 'b')).toThrow(LogDamagedError);
    expect(() => planAppend(head, 2, draft, 'b')).toThrow(/head says 1 entries/);
    expect(() => planAppend({ seq: 'x' }, 1, draft, 'b')).toThrow(
      expect.objectContaining({ code: 'log-damaged' }),
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, has no whitespace, refuses what JSON cannot carry', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true })).toBe(
      '{"a":true,"b":[1,{"c":"x","d":null}]}',
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/at \.a/);
    expect(() => canonicalJson({ a: undefined })).toThrow();
  });
});

describe('verifyChain', () => {
  it('accepts an untouched log and reports its length and head', () => {
    const { entries, head } = five();
    expect(verifyChain(entries, head)).toEqual({ ok: true, count: 5, head });
    expect(verifyChain(entries, null)).toEqual({ ok: true, count: 5, head });
  });

  it('accepts the empty log, with or without its head', () => {
    expect(verifyChain([], null)).toEqual({ ok: true, count: 0, head: EMPTY_HEAD });
    expect(verifyChain([], EMPTY_HEAD)).toEqual({ ok: true, count: 0, head: EMPTY_HEAD });
  });

  it('an edited field: "edited" at that seq', () => {
    const { entries, head } = five();
    entries[2] = { ...entries[2]!, result: 'updated' };
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, problem: 'edited', seq: 3 });
  });

  it('an edited entry whose hash was recomputed: "edited" at that seq (its successor no longer links)', () => {
    const { entries, head } = five();
    const forged = { ...entries[1]!, result: 'updated' as const };
    entries[1] = { ...forged, hash: entryHash(forged) };
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, problem: 'edited', seq: 2 });
  });

  it('the last entry replaced and re-hashed: its head no longer matches', () => {
    const { entries, head } = five();
    const forged = { ...entries[4]!, bytes: 1 };
    entries[4] = { ...forged, hash: entryHash(forged) };
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, problem: 'edited', seq: 5 });
  });

  it('a deleted middle entry: "missing"', () => {
    const { entries, head } = five();
    entries.splice(2, 1);
    expect(verifyChain(entries, head)).toMatchObject({
      ok: false,
      problem: 'missing',
      seq: 3,
      detail: 'entry #3 is missing',
    });
    expect(verifyChain(five().entries.slice(2), null)).toMatchObject({
      problem: 'missing',
      seq: 1,
      detail: 'entries #1 to #2 are missing',
    });
  });

  it('two entries swapped: "reordered"', () => {
    const { entries, head } = five();
    [entries[1], entries[2]] = [entries[2]!, entries[1]!];
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, problem: 'reordered', seq: 2 });
  });

  it('an entry repeated: "reordered"', () => {
    const { entries, head } = five();
    entries.splice(3, 0, entries[2]!);
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, problem: 'reordered' });
  });

  it('the last entries deleted with the head kept: "truncated"', () => {
    const { entries, head } = five();
    expect(verifyChain(entries.slice(0, 4), head)).toMatchObject({
      ok: false,
      problem: 'truncated',
      seq: 5,
    });
    expect(verifyChain([], head)).toMatchObject({ problem: 'truncated', seq: 1 });
    // Without the head, a removed tail cannot show: what the chain does not prove.
    expect(verifyChain(entries.slice(0, 4), null)).toMatchObject({ ok: true, count: 4 });
  });

  it('entries beyond the head (head rolled back, or deleted and read as empty): "edited"', () => {
    const { entries } = five();
    const third = entries[2]!;
    expect(verifyChain(entries, { seq: 3, hash: third.hash })).toMatchObject({
      problem: 'edited',
      seq: 4,
    });
    expect(verifyChain(entries, EMPTY_HEAD)).toMatchObject({ problem: 'edited', seq: 1 });
  });

  it('garbage where an entry or the head should be: "malformed"', () => {
    const { entries, head } = five();
    const withGarbage: unknown[] = [...entries];
    withGarbage[1] = { hello: 'world' };
    expect(verifyChain(withGarbage, head)).toMatchObject({ problem: 'malformed', seq: 2 });
    withGarbage[1] = 'text';
    expect(verifyChain(withGarbage, head)).toMatchObject({ problem: 'malformed', seq: 2 });
    withGarbage[1] = { ...entries[1], extra: 1 };
    expect(verifyChain(withGarbage, head)).toMatchObject({ problem: 'malformed', seq: 2 });
    expect(verifyChain(entries, { seq: -1, hash: 'x' })).toMatchObject({ problem: 'malformed' });
  });

  it('property: any single-field change of any entry of any chain is detected at that entry', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 });
    const text = fc.string({ maxLength: 20 });
    const orNull = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
    const count = fc.nat({ max: 10_000_000 });
    const draftArb: fc.Arbitrary<LogEntryDraft> = fc.record({
      time: fc
        .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      device: fc.string({ minLength: 1, maxLength: 20 }),
      deviceName: text,
      board: orNull(text),
      fromVersion: orNull(text),
      toVersion: fc.string({ minLength: 1, maxLength: 12 }),
      imageHash: hex,
      transport: fc.constantFrom('bluetooth', 'serial', 'demo'),
      bytes: count,
      durationMs: count,
      resumes: fc.nat({ max: 20 }),
      result: fc.constantFrom('updated', 'testing', 'already', 'failed', 'cancelled'),
      errorCode: orNull(text),
      note: orNull(text),
    });
    const replacement = fc.oneof(
      fc.constant({ delete: true } as const),
      fc.record({
        value: fc.oneof(text, hex, count, fc.constant(null), fc.boolean(), fc.anything()),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(draftArb, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom(...ENTRY_FIELDS),
        replacement,
        (drafts, pick, field, change) => {
          const { entries, head } = chain(drafts);
          expect(verifyChain(entries, head)).toMatchObject({ ok: true });
          const index = pick % entries.length;
          const original: unknown = entries[index]![field];
          if ('value' in change && change.value === original) return; // not a change
          const changed: Record<string, unknown> = { ...entries[index] };
          if ('value' in change) changed[field] = change.value;
          else delete changed[field];
          const tampered: unknown[] = [...entries];
          tampered[index] = changed;
          const check = verifyChain(tampered, head);
          expect(check.ok).toBe(false);
          if (check.ok) return;
          expect(['edited', 'malformed']).toContain(check.problem);
          expect(check.seq).toBe(index + 1);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseLogEntry / parseLogHead', () => {
  it('reads back a stored entry whole, and nothing else', () => {
    const e = chainEntry(EMPTY_HEAD, draft, 'a');
    expect(parseLogEntry(structuredClone(e))).toEqual(e);
    expect(parseLogEntry({ ...e, schema: LOG_SCHEMA + 1 })).toBeNull(); // a newer fieldflash wrote it
    expect(parseLogEntry({ ...e, schema: 0 })).toBeNull(); // no migration from there
    expect(parseLogEntry({ ...e, extra: true })).toBeNull();
    const { note: _note, ...missing } = e;
    expect(parseLogEntry(missing)).toBeNull();
    expect(parseLogEntry({ ...e, seq: 0 })).toBeNull();
    expect(parseLogEntry(null)).toBeNull();
    expect(parseLogEntry([e])).toBeNull();
  });

  it('a head is a count and a hash, seq 0 only with the zero hash', () => {
    expect(parseLogHead({ seq: 3, hash: 'ab'.repeat(32) })).toEqual({
      seq: 3,
      hash: 'ab'.repeat(32),
    });
    expect(parseLogHead(EMPTY_HEAD)).toEqual(EMPTY_HEAD);
    expect(parseLogHead({ seq: 0, hash: 'ab'.repeat(32) })).toBeNull();
    expect(parseLogHead({ seq: 3, hash: ZERO_HASH })).toBeNull();
    expect(parseLogHead(undefined)).toBeNull();
  });
});

/** A small RFC 4180 reader, to check the writer from the other side. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  expect(cell).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('logToCsv', () => {
  it('writes a header and every field of every entry, CRLF, null as empty', () => {
    const { entries } = five();
    const csv = logToCsv(entries);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    const rows = readCsv(csv);
    expect(rows[0]).toEqual([...ENTRY_FIELDS]);
    expect(rows).toHaveLength(6);
    const first = Object.fromEntries(ENTRY_FIELDS.map((f, i) => [f, rows[1]![i]]));
    expect(first).toMatchObject({
      seq: '1',
      device: 'serial:2fe3:0100',
      bytes: '123456',
      errorCode: '',
      note: '',
      hash: entries[0]!.hash,
    });
    expect(logToCsv([])).toBe(`${ENTRY_FIELDS.join(',')}\r\n`);
  });

  it('quotes commas, quotes and line breaks', () => {
    const { entries } = chain([
      { ...draft, deviceName: 'Pump 7, hall "B"', note: 'line one\nline two\r\nthree' },
    ]);
    const csv = logToCsv(entries);
    expect(csv).toContain('"Pump 7, hall ""B"""');
    expect(csv).toContain('"line one\nline two\r\nthree"');
    const row = readCsv(csv)[1]!;
    expect(row[ENTRY_FIELDS.indexOf('deviceName')]).toBe('Pump 7, hall "B"');
    expect(row[ENTRY_FIELDS.indexOf('note')]).toBe('line one\nline two\r\nthree');
  });

  it('defuses spreadsheet formulas: = + - @ tab CR at the start get an apostrophe', () => {
    const starts = ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx'];
    const { entries } = chain(starts.map((deviceName) => ({ ...draft, deviceName })));
    const rows = readCsv(logToCsv(entries));
    const names = rows.slice(1).map((r) => r[ENTRY_FIELDS.indexOf('deviceName')]);
    expect(names).toEqual(starts.map((s) => `'${s}`));
    expect(logToCsv(chain([{ ...draft, deviceName: 'a=b' }]).entries)).toContain(',a=b,');
  });
});

describe('logToJson', () => {
  it('holds format, schema, time, head and entries; a reader re-verifies the chain from it', () => {
    const { entries, head } = five();
    const text = logToJson(entries, head, '2025-06-01T00:00:00.000Z');
    expect(text).toContain('\n  "entries": [');
    const doc = JSON.parse(text) as {
      format: string;
      schema: number;
      exportedAt: string;
      head: LogHead;
      entries: unknown[];
    };
    expect(doc).toMatchObject({
      format: LOG_EXPORT_FORMAT,
      schema: 1,
      exportedAt: '2025-06-01T00:00:00.000Z',
      head,
    });
    expect(doc.entries).toEqual(entries);
    expect(verifyChain(doc.entries, doc.head)).toEqual({ ok: true, count: 5, head });
    const tampered = JSON.parse(text.replace('"Pump 7"', '"Pump 8"')) as typeof doc;
    expect(verifyChain(tampered.entries, tampered.head)).toMatchObject({
      ok: false,
      problem: 'edited',
      seq: 1,
    });
  });
});

describe('filterEntries', () => {
  const { entries } = five();
  const seqs = (f: Parameters<typeof filterEntries>[1]) =>
    filterEntries(entries, f).map((e) => e.seq);

  it('matches text case-insensitively in device, name, board, versions, hash and error code', () => {
    expect(seqs({})).toEqual([1, 2, 3, 4, 5]);
    expect(seqs({ text: '  ' })).toEqual([1, 2, 3, 4, 5]);
    expect(seqs({ text: 'BLUETOOTH:' })).toEqual([2]);
    expect(seqs({ text: 'pump 7' })).toHaveLength(5);
    expect(seqs({ text: 'NRF52' })).toHaveLength(5);
    expect(seqs({ text: '0.9.0' })).toHaveLength(5);
    expect(seqs({ text: 'ABAB' })).toHaveLength(5);
    expect(seqs({ text: 'Reverted' })).toEqual([3]);
    expect(seqs({ text: 'test boot' })).toEqual([]); // notes are not searched
  });

  it('filters by result and by time, comparing instants (since inclusive, until exclusive)', () => {
    expect(seqs({ result: 'failed' })).toEqual([3]);
    expect(seqs({ since: '2025-05-02' })).toEqual([4, 5]);
    expect(seqs({ since: '2025-05-02T08:00:00.000Z' })).toEqual([4, 5]);
    expect(seqs({ until: '2025-05-02T08:00:00Z' })).toEqual([1, 2, 3]);
    expect(seqs({ since: '2025-05-03T10:00:00Z', until: '2025-05-04' })).toEqual([5]);
    expect(seqs({ since: 'not a date' })).toEqual([1, 2, 3, 4, 5]);
    expect(seqs({ result: 'cancelled', text: 'serial' })).toEqual([4]);
  });
});

describe('sync protocol decisions', () => {
  it('allows https, and http to loopback only', () => {
    expect(checkEndpoint('https://logs.example.com/fieldflash').href).toBe(
      'https://logs.example.com/fieldflash',
    );
    expect(checkEndpoint('http://127.0.0.1:8080/x').port).toBe('8080');
    expect(checkEndpoint('http://localhost/x').hostname).toBe('localhost');
    for (const bad of [
      'http://logs.example.com/',
      'ftp://x/',
      'not a url',
      'https://user:pw@x/',
      'http://127.0.0.1.example.com/',
    ]) {
      expect(() => checkEndpoint(bad)).toThrow(SyncEndpointError);
    }
  });

  it('reads statuses: 2xx stored; 408, 429, 5xx retry; 413 too large; the rest rejected', () => {
    expect([200, 201, 204].map(statusMeaning)).toEqual(['stored', 'stored', 'stored']);
    expect([408, 429, 500, 503].map(statusMeaning)).toEqual(['retry', 'retry', 'retry', 'retry']);
    expect(statusMeaning(413)).toBe('too-large');
    expect([0, 301, 400, 401, 404, 409].map(statusMeaning)).toEqual(Array(6).fill('rejected'));
  });

  it('backs off from about 1 s, doubling, jittered between half and all of a step (never shorter than the wait before), capped at 5 min', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 0.999999))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 0))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(50, 0.999999)).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(1, Number.NaN)).toBe(750);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r1, r2) => {
          expect(backoffMs(n + 1, r2)).toBeGreaterThanOrEqual(backoffMs(n, r1));
        },
      ),
    );
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-05-01T00:00:00Z');
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 01 May 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Wed, 30 Apr 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('999999', now)).toBe(3_600_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it('keys a batch by its first and last hash', () => {
    const { entries } = five();
    expect(idempotencyKey(entries.slice(1, 3))).toBe(`${entries[1]!.hash}..${entries[2]!.hash}`);
  });
});
