/**
 * Versioned records (DESIGN.md "Storage": records carry a schema version;
 * readers migrate or discard). Each store names its current schema and the
 * steps that lift an older record one version up; a record from a newer
 * version of the app, or one that no longer parses, is not half-used — it is
 * reported as unreadable so the UI can say so instead of losing it silently.
 * @module
 */

/** Lifts a record of schema N (the key) to schema N + 1. */
export type MigrationSteps = Readonly<Record<number, (old: Record<string, unknown>) => unknown>>;

export interface RecordSchema<T> {
  readonly current: number;
  readonly steps?: MigrationSteps;
  /** The record at the current schema, or null when a field is missing or ill-typed. */
  readonly parse: (value: Record<string, unknown>) => T | null;
}

export type ReadRecord<T> =
  | { readonly ok: true; readonly value: T; readonly migratedFrom: number | null }
  | {
      readonly ok: false;
      readonly why: 'not-a-record' | 'newer-schema' | 'no-migration' | 'invalid';
    };

export function readRecord<T>(raw: unknown, schema: RecordSchema<T>): ReadRecord<T> {
  if (typeof raw !== 'object' || raw === null) return { ok: false, why: 'not-a-record' };
  let value = raw as Record<string, unknown>;
  const from = value['schema'];
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1)
    return { ok: false, why: 'not-a-record' };
  if (from > schema.current) return { ok: false, why: 'newer-schema' };
  for (let v = from; v < schema.current; v++) {
    const step = schema.steps?.[v];
    if (!step) return { ok: false, why: 'no-migration' };
    const next = step(value);
    if (typeof next !== 'object' || next === null) return { ok: false, why: 'invalid' };
    value = { ...(next as Record<string, unknown>), schema: v + 1 };
  }
  const parsed = schema.parse(value);
  if (parsed === null) return { ok: false, why: 'invalid' };
  return { ok: true, value: parsed, migratedFrom: from === schema.current ? null : from };
}

// Small field checks shared by the stores' parsers.
export const isText = (x: unknown): x is string => typeof x === 'string';
export const isCount = (x: unknown): x is number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
export const isHex = (x: unknown, length?: number): x is string =>
  typeof x === 'string' && /^[0-9a-f]+$/.test(x) && (length === undefined || x.length === length);
