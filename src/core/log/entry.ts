/**
 * One record of the field update log: every update attempt, successful or
 * not, as the technician's phone saw it. Records carry a schema version
 * (DESIGN.md "Storage"); what is read back from storage or a file is
 * untrusted and goes through `parseLogEntry`, which checks every field and
 * migrates older schemas.
 * @module
 */

export const LOG_SCHEMA = 1;

/** How the attempt ended. */
export type LogResult =
  /** The device runs the new image, confirmed. */
  | 'updated'
  /** The device runs the new image on a test boot; nothing confirmed it yet. */
  | 'testing'
  /** The device already ran this image; nothing was sent. */
  | 'already'
  | 'failed'
  | 'cancelled';

export type LogTransport = 'bluetooth' | 'serial' | 'demo';

/** What the app knows about an attempt; the log adds its place in the chain. */
export interface LogEntryDraft {
  /** ISO-8601 UTC (`2025-05-01T09:30:00.000Z`), when the attempt started. */
  readonly time: string;
  /** Identity of the device, e.g. "bluetooth:abc", "serial:2fe3:0100", "demo:bluetooth". */
  readonly device: string;
  readonly deviceName: string;
  readonly board: string | null;
  readonly fromVersion: string | null;
  readonly toVersion: string;
  /** The MCUboot image hash, lowercase hex (empty when no image got that far). */
  readonly imageHash: string;
  readonly transport: LogTransport;
  /** Bytes sent to the device. */
  readonly bytes: number;
  /** Whole milliseconds (whole numbers hash the same in every language a verifier may use). */
  readonly durationMs: number;
  readonly resumes: number;
  readonly result: LogResult;
  /** The engine's stable failure code when the result is failed or cancelled. */
  readonly errorCode: string | null;
  /** Free text, e.g. "feed expired 3 days ago: used anyway (override)". */
  readonly note: string | null;
}

export interface LogEntry extends LogEntryDraft {
  readonly schema: 1;
  /** 1, 2, 3 … without gaps. */
  readonly seq: number;
  /** Unique id of the attempt (the app's random UUID); what a sync server dedupes by. */
  readonly id: string;
  /** The previous entry's `hash`; 64 zeros for seq 1. */
  readonly prevHash: string;
  /** SHA-256 (hex) of the canonical JSON of every other field: see chain.ts. */
  readonly hash: string;
}

/** Where the chain ends: kept beside the entries so that a removed tail shows. */
export interface LogHead {
  readonly seq: number;
  readonly hash: string;
}

export const ZERO_HASH = '0'.repeat(64);
export const EMPTY_HEAD: LogHead = { seq: 0, hash: ZERO_HASH };

export const LOG_RESULTS: readonly LogResult[] = [
  'updated',
  'testing',
  'already',
  'failed',
  'cancelled',
];
const TRANSPORTS: readonly LogTransport[] = ['bluetooth', 'serial', 'demo'];

/** The fields of a draft, in the order exports show them. */
export const DRAFT_FIELDS = [
  'time',
  'device',
  'deviceName',
  'board',
  'fromVersion',
  'toVersion',
  'imageHash',
  'transport',
  'bytes',
  'durationMs',
  'resumes',
  'result',
  'errorCode',
  'note',
] as const satisfies readonly (keyof LogEntryDraft)[];

/** Every field of an entry, in the order exports show them. */
export const ENTRY_FIELDS = [
  'seq',
  ...DRAFT_FIELDS,
  'id',
  'schema',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof LogEntry)[];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const HASH = /^[0-9a-f]{64}$/;
const HEX = /^[0-9a-f]*$/;

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isText = (x: unknown): x is string => typeof x === 'string';
const isTextOrNull = (x: unknown) => x === null || isText(x);
const isFilled = (x: unknown) => isText(x) && x !== '';

/** Per draft field: whether a value is acceptable. Shared by chaining (which refuses) and parsing (which discards). */
const DRAFT_CHECKS: { readonly [K in keyof LogEntryDraft]: (x: unknown) => boolean } = {
  time: (x) => isText(x) && ISO_UTC.test(x) && !Number.isNaN(Date.parse(x)),
  device: isFilled,
  deviceName: isText,
  board: isTextOrNull,
  fromVersion: isTextOrNull,
  toVersion: isFilled,
  imageHash: (x) => isText(x) && HEX.test(x),
  transport: (x) => TRANSPORTS.includes(x as LogTransport),
  bytes: isCount,
  durationMs: isCount,
  resumes: isCount,
  result: (x) => LOG_RESULTS.includes(x as LogResult),
  errorCode: isTextOrNull,
  note: isTextOrNull,
};

/** The first draft field whose value is not acceptable, or null when all are. */
export function invalidDraftField(draft: Readonly<Record<string, unknown>>): string | null {
  for (const field of DRAFT_FIELDS) {
    if (!DRAFT_CHECKS[field](draft[field])) return field;
  }
  return null;
}

/** Copies exactly the draft fields (an object with more keys would otherwise hash and store them). */
export function pickDraft(draft: LogEntryDraft): LogEntryDraft {
  const out: Record<string, unknown> = {};
  for (const field of DRAFT_FIELDS) out[field] = draft[field];
  return out as unknown as LogEntryDraft;
}

function isRecord(x: unknown): x is Readonly<Record<string, unknown>> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Schema 1, checked strictly: exactly these keys, each well-typed. */
function isEntryV1(v: Readonly<Record<string, unknown>>): boolean {
  const keys = Object.keys(v);
  return (
    keys.length === ENTRY_FIELDS.length &&
    ENTRY_FIELDS.every((k) => Object.hasOwn(v, k)) &&
    v['schema'] === 1 &&
    isCount(v['seq']) &&
    v['seq'] >= 1 &&
    isFilled(v['id']) &&
    isText(v['prevHash']) &&
    HASH.test(v['prevHash']) &&
    isText(v['hash']) &&
    HASH.test(v['hash']) &&
    invalidDraftField(v) === null
  );
}

/**
 * Older schemas, each with its own strict check and the step that lifts it
 * one schema up. Empty while schema 1 is the only one. When schema 2 comes:
 * add `{ 1: { check: isEntryV1, upgrade: (v1) => ({ ...v1, schema: 2, newField: … }) } }`,
 * write `isEntryV2` for the current schema, and bump LOG_SCHEMA.
 *
 * An entry's hash covers it as it was written, in its own schema, so a
 * migration never re-hashes: `verifyChain` hashes the stored form, and the
 * migrated form is only for reading and showing.
 */
const OLDER_SCHEMAS: Readonly<
  Record<
    number,
    {
      readonly check: (v: Readonly<Record<string, unknown>>) => boolean;
      readonly upgrade: (v: Readonly<Record<string, unknown>>) => Record<string, unknown>;
    }
  >
> = {};

/** Whether `raw` is a well-formed entry of its own schema (the form its hash covers). */
export function isStoredEntry(raw: unknown): raw is Readonly<Record<string, unknown>> {
  if (!isRecord(raw)) return false;
  const schema = raw['schema'];
  if (schema === LOG_SCHEMA) return isEntryV1(raw);
  return typeof schema === 'number' && OLDER_SCHEMAS[schema]?.check(raw) === true;
}

/**
 * A stored value as an entry of the current schema, or null when it is not
 * one this version can read (a missing or ill-typed field, an extra field, a
 * schema from a newer fieldflash). Never half-reads a record. Does not check
 * the hash: that is `verifyChain`'s job.
 */
export function parseLogEntry(raw: unknown): LogEntry | null {
  if (!isStoredEntry(raw)) return null;
  let v: Readonly<Record<string, unknown>> = raw;
  for (let schema = v['schema'] as number; schema < LOG_SCHEMA; schema++) {
    const step = OLDER_SCHEMAS[schema];
    if (!step) return null;
    v = step.upgrade(v);
  }
  if (!isEntryV1(v)) return null;
  const entry: Record<string, unknown> = {};
  for (const field of ENTRY_FIELDS) entry[field] = v[field];
  return entry as unknown as LogEntry;
}

/** A stored head, or null when it is not one. Seq 0 (nothing logged) goes with the zero hash only. */
export function parseLogHead(raw: unknown): LogHead | null {
  if (!isRecord(raw)) return null;
  const { seq, hash } = raw;
  if (!isCount(seq) || !isText(hash) || !HASH.test(hash)) return null;
  if ((seq === 0) !== (hash === ZERO_HASH)) return null;
  return { seq, hash };
}
