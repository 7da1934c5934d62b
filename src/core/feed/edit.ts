/**
 * Publishing: add a release to a feed (or start one) and re-date it, as
 * `fieldflash feed add` does. The edit works on the JSON document itself, so
 * fields this version does not know (added by a newer tool or by hand)
 * survive; and the result is parsed again before it is returned, so the
 * publisher never writes a feed the app would refuse.
 * @module
 */
import { utf8ToBytes } from '../bytes.ts';
import { FeedMalformedError } from './errors.ts';
import { field, isObject, type JsonObject } from './fields.ts';
import { formatIsoUtc } from './iso-time.ts';
import { decodeJson, parseFeed } from './parse.ts';
import { parseRelease, releaseKey } from './parse-release.ts';
import { FEED_SCHEMA, type Feed, type Release } from './types.ts';

export interface FeedDates {
  /** When the feed is issued, ms since the epoch. */
  readonly now: number;
  /** How long it stays valid. */
  readonly validForMs: number;
}

export interface EditedFeed {
  /** The new feed file: 2-space JSON and a trailing newline. */
  readonly text: string;
  readonly feed: Feed;
  /** True when an entry for the same product, version and channel was replaced. */
  readonly replaced: boolean;
}

/** Checks a release before it goes into a feed; FeedMalformedError with a path under `release`. */
export function checkRelease(release: Release): Release {
  return parseRelease(release, 'release');
}

/**
 * Adds `release` to the feed in `existing` (null: a new feed), replacing an
 * entry of the same product, version and channel, raises the sequence by one
 * and sets `issued` and `expires`. The existing feed must parse (else its
 * typed error is thrown); it need not be signed: the publisher signs after.
 */
export function addRelease(
  existing: Uint8Array | null,
  release: Release,
  dates: FeedDates,
): EditedFeed {
  const entry = checkRelease(release);
  const current = existing === null ? null : parseFeed(existing);
  const raw: JsonObject = existing === null ? {} : (decodeJson(existing) as JsonObject);
  const rawReleases = current === null ? [] : (field(raw, 'releases') as unknown[]);
  const at =
    current === null ? -1 : current.releases.findIndex((r) => releaseKey(r) === releaseKey(entry));
  const releases =
    at < 0 ? [...rawReleases, entry] : rawReleases.map((r, i) => (i === at ? entry : r));
  const sequence = (current?.sequence ?? 0) + 1;
  if (!Number.isSafeInteger(sequence)) {
    throw new FeedMalformedError('sequence', 'cannot be raised any further');
  }
  const document = {
    ...(isObject(raw) ? raw : {}),
    schema: FEED_SCHEMA,
    sequence,
    issued: formatIsoUtc(dates.now),
    expires: formatIsoUtc(dates.now + dates.validForMs),
    releases,
  };
  const text = JSON.stringify(document, null, 2) + '\n';
  return { text, feed: parseFeed(utf8ToBytes(text)), replaced: at >= 0 };
}
