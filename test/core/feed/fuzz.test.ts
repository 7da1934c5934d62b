/**
 * DESIGN.md invariant 4 for feeds: whatever the bytes, parseFeed and
 * verifyFeed return or throw a typed FeedError (a FieldflashError), never
 * anything else; and any change to a signed feed's bytes is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from '../../../src/core/bytes.ts';
import { FieldflashError } from '../../../src/core/errors.ts';
import {
  FeedError,
  FeedSignatureError,
  parseFeed,
  parseFeedSignature,
  signFeed,
  verifyFeed,
} from '../../../src/core/feed/index.ts';
import { testKey } from '../../helpers/keys.ts';
import { bytes, feedDoc, feedKey, ISSUED, release, signed } from './fixtures.ts';

const keys = () => [testKey('ed25519').trusted, testKey('ecdsa-p256').trusted];
const NOW = ISSUED + 86_400_000;

/** Runs `fn`; a throw must be a FeedError (and so a FieldflashError with a code). */
function typedOrNothing(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FieldflashError);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).code).toMatch(/^feed-/);
    expect((err as FeedError).message.length).toBeGreaterThan(0);
  }
}

/** Any JSON value, strings of any code unit included. */
const json = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });

/** A valid feed with one field, somewhere, replaced by an arbitrary value (or removed). */
const mutatedFeed = fc
  .tuple(
    fc.constantFrom(
      ['schema'],
      ['sequence'],
      ['issued'],
      ['expires'],
      ['releases'],
      ['releases', 0],
      ...Object.keys(release()).map((k) => ['releases', 0, k]),
      ['releases', 0, 'match', 'board'],
      ['releases', 0, 'match', 'bleNamePrefix'],
      ['releases', 0, 'minVersion'],
    ),
    fc.option(json, { nil: undefined }),
  )
  .map(([path, value]) => {
    const doc = feedDoc({ releases: [release(), release({ version: '2.0.0' })] });
    let at: Record<string | number, unknown> = doc;
    for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
    const last = path[path.length - 1] ?? '';
    if (value === undefined) delete at[last];
    else at[last] = value;
    return doc;
  });

describe('feed parsing never throws anything but typed errors', () => {
  it('arbitrary bytes into parseFeed, verifyFeed and parseFeedSignature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 130 }), (a, b) => {
        typedOrNothing(() => parseFeed(a));
        typedOrNothing(() => parseFeedSignature(b));
        typedOrNothing(() => verifyFeed(a, b, keys(), null, { now: NOW }));
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary JSON values into parseFeed', () => {
    fc.assert(
      fc.property(json, (value) => typedOrNothing(() => parseFeed(bytes(JSON.stringify(value))))),
      { numRuns: 500 },
    );
  });

  it('valid feeds with one field changed, signed, into verifyFeed', () => {
    const key = feedKey();
    fc.assert(
      fc.property(mutatedFeed, fc.boolean(), (doc, allowExpired) => {
        const text = bytes(doc);
        typedOrNothing(() => parseFeed(text));
        // Signed by the trusted key, so the checks after the signature run too.
        let sig: Uint8Array;
        try {
          sig = utf8ToBytes(signFeed(text, key));
        } catch (err) {
          // signFeed refuses a feed it would not accept: with a typed error.
          expect(err).toBeInstanceOf(FeedError);
          sig = new Uint8Array(64);
        }
        typedOrNothing(() =>
          verifyFeed(text, sig, keys(), { sequence: 5, sha256: '' }, { now: NOW, allowExpired }),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('nesting deep enough to trouble a recursive parser', () => {
    for (const depth of [10_000, 200_000]) {
      typedOrNothing(() => parseFeed(utf8ToBytes('['.repeat(depth) + ']'.repeat(depth))));
      typedOrNothing(() => parseFeed(utf8ToBytes('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))));
    }
  });
});

describe('a signed feed is fixed to its bytes', () => {
  it('any changed byte is refused as a bad signature', () => {
    const feed = signed();
    fc.assert(
      fc.property(
        fc.nat({ max: feed.json.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const json = Uint8Array.from(feed.json);
          json[at] = (json[at] ?? 0) ^ xor;
          expect(() => verifyFeed(json, feed.sig, keys(), null, { now: NOW })).toThrow(
            FeedSignatureError,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
