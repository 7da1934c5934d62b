/**
 * Typed reads of a JSON value, each failure a FeedMalformedError naming the
 * path. Fields are read with `Object.hasOwn`, so a key like `constructor` or
 * `__proto__` in the document is only ever data. Unknown fields are not
 * looked at: a newer publisher may add some (forward compatibility).
 * @module
 */
import { FeedMalformedError } from './errors.ts';

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, path: string): JsonObject {
  if (!isObject(value))
    throw new FeedMalformedError(path, `expected an object, got ${kind(value)}`);
  return value;
}

/** `undefined` when the field is absent. */
export function field(obj: JsonObject, name: string): unknown {
  return Object.hasOwn(obj, name) ? obj[name] : undefined;
}

/** `releases[3].sha256`, `match.board`. */
export function join(path: string, name: string | number): string {
  if (typeof name === 'number') return `${path}[${name}]`;
  return path === '' ? name : `${path}.${name}`;
}

// C0 controls and DEL: never in names, URLs or channels (they hide text in logs and terminals).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// Notes may be multi-line text, so tab and newlines are allowed there.
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface TextRules {
  /** May be "" (default: no). */
  readonly empty?: boolean;
  /** Tabs and line breaks allowed (default: no). */
  readonly multiline?: boolean;
}

/** Field `name` of `obj` (found at path `at`) as text. */
export function readString(
  obj: JsonObject,
  name: string,
  at: string,
  rules: TextRules = {},
): string {
  const path = join(at, name);
  const value = field(obj, name);
  if (value === undefined) throw new FeedMalformedError(path, 'missing');
  if (typeof value !== 'string')
    throw new FeedMalformedError(path, `expected text, got ${kind(value)}`);
  if (!rules.empty && value.length === 0) throw new FeedMalformedError(path, 'must not be empty');
  if ((rules.multiline ? CONTROL_EXCEPT_LINES : CONTROL).test(value))
    throw new FeedMalformedError(path, 'contains control characters');
  return value;
}

export function readOptionalString(
  obj: JsonObject,
  name: string,
  at: string,
  rules?: TextRules,
): string | undefined {
  return field(obj, name) === undefined ? undefined : readString(obj, name, at, rules);
}

/** A safe integer of at least `min`. */
export function readInteger(obj: JsonObject, name: string, at: string, min: number): number {
  const path = join(at, name);
  const value = field(obj, name);
  if (value === undefined) throw new FeedMalformedError(path, 'missing');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const what = min === 0 ? 'a non-negative whole number' : `a whole number >= ${min}`;
    throw new FeedMalformedError(path, `expected ${what}, got ${describe(value)}`);
  }
  return value;
}

export function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : kind(value);
}
