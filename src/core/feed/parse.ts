/**
 * `parseFeed`: bytes to a checked Feed, or a typed error (DESIGN.md invariant
 * 4). Strict about every field the app relies on; silent about fields it does
 * not know, so a publisher can add some without breaking older apps; and a
 * higher `schema` is refused outright, since its known fields may have
 * changed meaning.
 * @module
 */
import { utf8 } from '@scure/base';
import { FeedMalformedError, FeedSchemaError, FeedTooLargeError } from './errors.ts';
import { expectObject, field, join, readInteger, readOptionalString } from './fields.ts';
import { parseIsoUtc } from './iso-time.ts';
import { parseRelease, releaseKey } from './parse-release.ts';
import { FEED_SCHEMA, MAX_FEED_BYTES, MAX_RELEASES, type Feed, type Release } from './types.ts';

const ROOT = '(document)';

export function checkFeedSize(bytes: Uint8Array): void {
  if (bytes.length > MAX_FEED_BYTES) throw new FeedTooLargeError(bytes.length, MAX_FEED_BYTES);
}

/** The JSON value in `bytes`: strict UTF-8 (no BOM), then JSON.parse. */
export function decodeJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.encode(bytes);
  } catch {
    throw new FeedMalformedError(ROOT, 'not UTF-8 text');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // A SyntaxError, or a RangeError from absurd nesting: both mean "not a feed".
    throw new FeedMalformedError(ROOT, `not valid JSON (${(err as Error).message})`);
  }
}

function checkSchema(root: { readonly [key: string]: unknown }): void {
  const schema = field(root, 'schema');
  if (schema === undefined) throw new FeedMalformedError('schema', 'missing');
  if (typeof schema === 'number' && Number.isSafeInteger(schema) && schema > FEED_SCHEMA) {
    throw new FeedSchemaError(schema, FEED_SCHEMA);
  }
  if (schema !== FEED_SCHEMA) {
    throw new FeedMalformedError(
      'schema',
      `expected ${FEED_SCHEMA}, got ${JSON.stringify(schema)}`,
    );
  }
}

function readTime(root: { readonly [key: string]: unknown }, name: string): string | undefined {
  const text = readOptionalString(root, name, '');
  if (text !== undefined && parseIsoUtc(text) === null) {
    throw new FeedMalformedError(
      name,
      `"${text}" is not an ISO-8601 UTC time like 2025-06-01T12:00:00Z`,
    );
  }
  return text;
}

function readReleases(root: { readonly [key: string]: unknown }): Release[] {
  const list = field(root, 'releases');
  if (list === undefined) throw new FeedMalformedError('releases', 'missing');
  if (!Array.isArray(list)) throw new FeedMalformedError('releases', 'expected a list');
  if (list.length > MAX_RELEASES) {
    throw new FeedMalformedError(
      'releases',
      `${list.length} releases, more than the ${MAX_RELEASES} a feed may list`,
    );
  }
  const seen = new Map<string, number>();
  return list.map((value: unknown, i) => {
    const release = parseRelease(value, join('releases', i));
    // Two entries for one version would let the feed say two things at once
    // (different files or hashes): which one the app shows must not be a guess.
    const key = releaseKey(release);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new FeedMalformedError(
        join('releases', i),
        `repeats ${release.product} ${release.version} (${release.channel}) of releases[${first}]`,
      );
    }
    seen.set(key, i);
    return release;
  });
}

/** A checked feed. Throws FeedTooLargeError, FeedSchemaError or FeedMalformedError. */
export function parseFeed(bytes: Uint8Array): Feed {
  checkFeedSize(bytes);
  const root = expectObject(decodeJson(bytes), ROOT);
  checkSchema(root);
  const sequence = readInteger(root, 'sequence', '', 0);
  const issued = readTime(root, 'issued');
  const expires = readTime(root, 'expires');
  if (expires === undefined) throw new FeedMalformedError('expires', 'missing');
  if (issued !== undefined && (parseIsoUtc(issued) ?? 0) > (parseIsoUtc(expires) ?? 0)) {
    throw new FeedMalformedError('expires', 'is before the feed was issued');
  }
  const releases = readReleases(root);
  return {
    schema: FEED_SCHEMA,
    sequence,
    ...(issued === undefined ? {} : { issued }),
    expires,
    releases,
  };
}
