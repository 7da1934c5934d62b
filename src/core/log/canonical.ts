/**
 * Canonical JSON: object keys sorted by UTF-16 code units (JavaScript's
 * default sort, which is also what RFC 8785 specifies), no whitespace,
 * strings and numbers as `JSON.stringify` writes them. The same record then
 * always gives the same bytes, whichever order its keys were stored in, so a
 * verifier (this app, a sync server in another language) can recompute an
 * entry's hash. Log entries hold only strings, whole numbers and null, so
 * the number formatting question of RFC 8785 does not arise.
 * @module
 */
import { FieldflashError } from '../errors.ts';

/** A value canonical JSON cannot carry (undefined, a function, NaN or ±Infinity, a bigint). */
export class CanonicalJsonError extends FieldflashError {
  readonly code = 'canonical-json';
  constructor(readonly path: string) {
    super(`A log record holds a value that cannot be written as JSON, at ${path || 'the top'}.`);
  }
}

export function canonicalJson(value: unknown, path = ''): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CanonicalJsonError(path);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
  }
  if (typeof value === 'object') {
    const record = value as Readonly<Record<string, unknown>>;
    const members = Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k], `${path}.${k}`)}`);
    return `{${members.join(',')}}`;
  }
  throw new CanonicalJsonError(path);
}
