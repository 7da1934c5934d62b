/**
 * The release feed gate (core/feed verifyFeed): signature over the exact
 * bytes, rollback against the trusted state, expiry, and a strict parser
 * whose every refusal is a typed error with a path.
 */
import { createHash } from 'node:crypto';
import { base64 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from '../../../src/core/bytes.ts';
import { type FieldflashError } from '../../../src/core/errors.ts';
import {
  FeedExpiredError,
  FeedMalformedError,
  FeedRollbackError,
  FeedSchemaError,
  FeedSignatureError,
  FeedTooLargeError,
  MAX_FEED_BYTES,
  MAX_RELEASES,
  parseFeed,
  parseFeedSignature,
  parseIsoUtc,
  signFeed,
  verifyFeed,
  type FeedTrustState,
} from '../../../src/core/feed/index.ts';
import { testKey } from '../../helpers/keys.ts';
import {
  bytes,
  DAY,
  feedDoc,
  feedKey,
  HASH_A,
  ISSUED,
  otherKey,
  release,
  signed,
} from './fixtures.ts';

const trusted = () => [testKey('ed25519').trusted];
const NOW = ISSUED + 2 * DAY;

function verify(
  feed: { json: Uint8Array; sig: Uint8Array },
  state: FeedTrustState | null = null,
  options: { now?: number; allowExpired?: boolean } = {},
) {
  return verifyFeed(feed.json, feed.sig, trusted(), state, { now: NOW, ...options });
}

/** The error `fn` throws, checked to be a FieldflashError of `type`. */
function thrown<T extends FieldflashError>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => T,
): T {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as T;
  }
  throw new Error('expected a throw');
}

describe('a good feed', () => {
  it('verifies, with the signer, digest, times and the state to persist', () => {
    const feed = signed();
    const v = verify(feed);
    expect(v.feed.sequence).toBe(5);
    expect(v.feed.releases[0]).toEqual(release());
    expect(v.signer.fingerprint).toBe(testKey('ed25519').trusted.fingerprint);
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.expired).toBe(false);
    expect(v.ageMs).toBe(2 * DAY);
    expect(v.expiresInMs).toBe(Date.UTC(2025, 6, 1) - NOW);
    expect(v.nextState).toEqual({ sequence: 5, sha256: v.sha256 });
  });

  it('has ageMs null without issued, and accepts raw 64-byte signatures too', () => {
    const doc = feedDoc();
    delete doc['issued'];
    const feed = signed(doc);
    const raw = parseFeedSignature(feed.sig);
    expect(raw.length).toBe(64);
    const v = verifyFeed(feed.json, raw, trusted(), null, { now: NOW });
    expect(v.ageMs).toBeNull();
    expect(v.feed.issued).toBeUndefined();
  });

  it('ignores unknown fields (forward compatibility)', () => {
    const feed = signed(
      feedDoc({ vendorId: 'acme', releases: [release({ delta: { from: '0.9.0' } })] }),
    );
    const v = verify(feed);
    expect(v.feed).not.toHaveProperty('vendorId');
    expect(v.feed.releases[0]).not.toHaveProperty('delta');
  });

  it('signs the exact bytes: the .sig file is base64 and a newline', () => {
    const json = bytes(feedDoc());
    const text = signFeed(json, feedKey());
    expect(text).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
  });
});

describe('signature', () => {
  it('refuses one flipped byte of the JSON, even in whitespace', () => {
    const feed = signed();
    for (const at of [0, 10, feed.json.length - 1]) {
      const json = Uint8Array.from(feed.json);
      json[at] = (json[at] ?? 0) ^ 0x01;
      const err = thrown(() => verify({ json, sig: feed.sig }), FeedSignatureError);
      expect(err.code).toBe('feed-bad-signature');
      expect(err.message).toMatch(/not signed by a trusted feed key, or altered after signing/);
    }
    // A pretty-printed copy of the same document is other bytes: refused too.
    const reformatted = utf8ToBytes(JSON.stringify(feedDoc()));
    thrown(() => verify({ json: reformatted, sig: feed.sig }), FeedSignatureError);
  });

  it('refuses one flipped bit of the signature', () => {
    const feed = signed();
    const raw = parseFeedSignature(feed.sig);
    raw[17] = (raw[17] ?? 0) ^ 0x80;
    thrown(() => verify({ json: feed.json, sig: raw }), FeedSignatureError);
  });

  it('refuses a feed signed by another key', () => {
    const other = otherKey();
    const json = bytes(feedDoc());
    const sig = utf8ToBytes(signFeed(json, other.key));
    thrown(() => verify({ json, sig }), FeedSignatureError);
    // … and accepts it once that key is trusted, naming it.
    const v = verifyFeed(json, sig, [...trusted(), other.trusted], null, { now: NOW });
    expect(v.signer.name).toBe('other');
  });

  it('ignores non-Ed25519 keys in the list', () => {
    const feed = signed();
    const ecdsa = testKey('ecdsa-p256').trusted;
    const err = thrown(
      () => verifyFeed(feed.json, feed.sig, [ecdsa], null, { now: NOW }),
      FeedSignatureError,
    );
    expect(err.keysTried).toBe(0);
    const v = verifyFeed(feed.json, feed.sig, [ecdsa, ...trusted()], null, { now: NOW });
    expect(v.signer.type).toBe('ed25519');
  });

  it('checks the signature before parsing: a signed-by-nobody non-feed is a signature error', () => {
    const sig = signed().sig;
    thrown(() => verify({ json: utf8ToBytes('not json'), sig }), FeedSignatureError);
  });

  it('parses .sig files: base64 with whitespace, or 64 raw bytes; nothing else', () => {
    const raw = Uint8Array.from({ length: 64 }, (_, i) => i);
    const b64 = base64.encode(raw);
    expect(parseFeedSignature(utf8ToBytes(`\n  ${b64}\r\n`))).toEqual(raw);
    expect(parseFeedSignature(raw)).toEqual(raw);
    for (const bad of [
      '',
      'not base64!',
      base64.encode(raw.subarray(0, 63)),
      b64.slice(0, -2),
      b64 + b64,
      'x'.repeat(1000),
    ]) {
      const err = thrown(() => parseFeedSignature(utf8ToBytes(bad)), FeedMalformedError);
      expect(err.path).toBe('signature');
    }
    const feed = signed();
    thrown(() => verify({ json: feed.json, sig: utf8ToBytes('garbage') }), FeedMalformedError);
  });
});

describe('rollback', () => {
  const state = (sequence: number, sha256 = HASH_A): FeedTrustState => ({ sequence, sha256 });

  it('refuses a lower sequence than the one seen', () => {
    const err = thrown(() => verify(signed(), state(6)), FeedRollbackError);
    expect(err).toMatchObject({ code: 'feed-rollback', seen: 6, got: 5 });
    expect(err.message).toMatch(/older \(sequence 5\) than one already seen \(sequence 6\)/);
  });

  it('refuses the same sequence with other contents', () => {
    const err = thrown(() => verify(signed(), state(5)), FeedRollbackError);
    expect(err).toMatchObject({ seen: 5, got: 5 });
    expect(err.message).toMatch(/same sequence/);
  });

  it('accepts the same feed again (a re-download), and a higher sequence', () => {
    const feed = signed();
    const first = verify(feed);
    expect(verify(feed, first.nextState).nextState).toEqual(first.nextState);
    expect(verify(feed, { ...first.nextState, sha256: first.sha256.toUpperCase() }).sha256).toBe(
      first.sha256,
    );
    expect(verify(feed, state(4)).nextState.sequence).toBe(5);
  });

  it('checks the signature before the state: an unsigned feed never reports rollback', () => {
    const feed = signed();
    const json = Uint8Array.from(feed.json);
    json[json.length - 1] = 0x20;
    thrown(() => verify({ json, sig: feed.sig }, state(99)), FeedSignatureError);
  });
});

describe('expiry', () => {
  const expires = Date.UTC(2025, 6, 1);

  it('refuses a feed at and after its expiry', () => {
    for (const now of [expires, expires + 1, expires + 400 * DAY]) {
      const err = thrown(() => verify(signed(), null, { now }), FeedExpiredError);
      expect(err).toMatchObject({ code: 'feed-expired', expires: '2025-07-01T00:00:00Z', now });
    }
    expect(verify(signed(), null, { now: expires - 1 }).expiresInMs).toBe(1);
  });

  it('lets an expired feed through with allowExpired, saying so', () => {
    const v = verify(signed(), null, { now: expires + 3 * DAY, allowExpired: true });
    expect(v.expired).toBe(true);
    expect(v.expiresInMs).toBe(-3 * DAY);
    expect(verify(signed(), null, { allowExpired: true }).expired).toBe(false);
  });

  it('checks rollback before expiry, and refuses a clock that is not a number', () => {
    thrown(
      () => verify(signed(), { sequence: 9, sha256: HASH_A }, { now: expires + DAY }),
      FeedRollbackError,
    );
    expect(() => verify(signed(), null, { now: Number.NaN })).toThrow(RangeError);
  });
});

describe('malformed feeds', () => {
  function malformed(doc: unknown): FeedMalformedError {
    return thrown(() => parseFeed(bytes(doc)), FeedMalformedError);
  }

  it('refuses what is not a JSON object', () => {
    expect(malformed('not json').path).toBe('(document)');
    expect(malformed('[1,2]').reason).toMatch(/expected an object, got a list/);
    expect(malformed('null').path).toBe('(document)');
    expect(malformed('"text"').path).toBe('(document)');
    const err = thrown(() => parseFeed(Uint8Array.of(0x7b, 0xff, 0x7d)), FeedMalformedError);
    expect(err.reason).toMatch(/UTF-8/);
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes(feedDoc())]);
    thrown(() => parseFeed(bom), FeedMalformedError);
  });

  it.each([
    ['schema', 'schema'],
    ['sequence', 'sequence'],
    ['expires', 'expires'],
    ['releases', 'releases'],
  ])('refuses a feed without %s', (name, path) => {
    const doc = feedDoc();
    delete doc[name];
    expect(malformed(doc)).toMatchObject({ code: 'feed-malformed', path, reason: 'missing' });
  });

  it.each([
    'product',
    'match',
    'version',
    'file',
    'size',
    'sha256',
    'imageHash',
    'notes',
    'channel',
  ])('refuses a release without %s', (name) => {
    const r = release();
    delete r[name];
    expect(malformed(feedDoc({ releases: [release(), r] })).path).toBe(`releases[1].${name}`);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['string sequence', { sequence: '5' }, 'sequence', /non-negative whole number/],
    ['negative sequence', { sequence: -1 }, 'sequence', /-1/],
    ['fractional sequence', { sequence: 1.5 }, 'sequence', /1\.5/],
    ['unsafe sequence', { sequence: 2 ** 53 }, 'sequence', /whole number/],
    ['schema 0', { schema: 0 }, 'schema', /expected 1/],
    ['schema "1"', { schema: '1' }, 'schema', /expected 1/],
    ['schema 1.5', { schema: 1.5 }, 'schema', /expected 1/],
    ['releases object', { releases: {} }, 'releases', /a list/],
    ['local time', { expires: '2025-07-01T00:00:00' }, 'expires', /ISO-8601 UTC/],
    ['offset time', { expires: '2025-07-01T00:00:00+02:00' }, 'expires', /ISO-8601 UTC/],
    ['date only', { expires: '2025-07-01' }, 'expires', /ISO-8601 UTC/],
    ['30 February', { expires: '2025-02-30T00:00:00Z' }, 'expires', /ISO-8601 UTC/],
    ['hour 24', { expires: '2025-07-01T24:00:00Z' }, 'expires', /ISO-8601 UTC/],
    ['number expiry', { expires: 1751328000000 }, 'expires', /expected text/],
    ['bad issued', { issued: 'yesterday' }, 'issued', /ISO-8601 UTC/],
    ['expiry before issue', { issued: '2025-08-01T00:00:00Z' }, 'expires', /before/],
  ])('refuses a feed with %s', (_name, overrides, path, reason) => {
    const err = malformed(feedDoc(overrides));
    expect(err.path).toBe(path);
    expect(err.reason).toMatch(reason);
    expect(err.message).toContain(path);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['uppercase sha256', { sha256: HASH_A.toUpperCase() }, 'sha256', /lowercase hex/],
    ['short sha256', { sha256: 'ab' }, 'sha256', /64 lowercase hex/],
    ['sha256 of 96 digits', { sha256: 'a'.repeat(96) }, 'sha256', /64 lowercase/],
    ['image hash of 65 digits', { imageHash: 'a'.repeat(65) }, 'imageHash', /64, 96 or 128/],
    ['non-hex image hash', { imageHash: 'g'.repeat(64) }, 'imageHash', /hex/],
    ['bad version', { version: '1.0.0-beta' }, 'version', /not an MCUboot version/],
    ['version out of range', { version: '256.0.0' }, 'version', /not an MCUboot version/],
    ['padded version', { version: ' 1.0.0' }, 'version', /spaces/],
    ['bad minVersion', { minVersion: 'v1' }, 'minVersion', /not an MCUboot version/],
    ['null minVersion', { minVersion: null }, 'minVersion', /expected text, got null/],
    ['zero size', { size: 0 }, 'size', />= 1/],
    ['fractional size', { size: 10.5 }, 'size', /whole number/],
    ['string size', { size: '10' }, 'size', /whole number/],
    ['empty file', { file: '' }, 'file', /empty/],
    ['file with a newline', { file: 'a\nb.bin' }, 'file', /control/],
    ['http file', { file: 'http://example.com/a.bin' }, 'file', /https/],
    ['javascript file', { file: 'javascript:alert(1)' }, 'file', /https/],
    ['empty product', { product: '' }, 'product', /empty/],
    ['product with ESC', { product: 'a\u001b[2J' }, 'product', /control/],
    ['notes with NUL', { notes: 'a\u0000' }, 'notes', /control/],
    ['numeric channel', { channel: 1 }, 'channel', /expected text/],
    ['empty match', { match: {} }, 'match', /board or a bleNamePrefix/],
    ['match list', { match: ['nrf52840dk'] }, 'match', /an object/],
    ['empty board', { match: { board: '' } }, 'match.board', /empty/],
    ['numeric prefix', { match: { bleNamePrefix: 7 } }, 'match.bleNamePrefix', /text/],
  ])('refuses a release with %s', (_name, overrides, path, reason) => {
    const err = malformed(feedDoc({ releases: [release(overrides)] }));
    expect(err.path).toBe(`releases[0].${path}`);
    expect(err.reason).toMatch(reason);
  });

  it('accepts 96- and 128-digit image hashes, https files, empty notes and a prefix-only match', () => {
    const feed = parseFeed(
      bytes(
        feedDoc({
          releases: [
            release({ imageHash: 'c'.repeat(96), version: '1.0.0' }),
            release({
              imageHash: 'd'.repeat(128),
              version: '1.1',
              file: 'https://cdn.example.com/fw.bin',
              notes: '',
              match: { bleNamePrefix: 'Sensor-' },
            }),
          ],
        }),
      ),
    );
    expect(feed.releases.map((r) => r.version)).toEqual(['1.0.0', '1.1']);
  });

  it('refuses a release listed twice (the same version in another notation too)', () => {
    const err = malformed(
      feedDoc({ releases: [release(), release({ version: '1.0', file: 'other.bin' })] }),
    );
    expect(err.path).toBe('releases[1]');
    expect(err.reason).toMatch(/repeats sensor 1\.0 \(stable\) of releases\[0\]/);
    // Another channel or product is another release.
    parseFeed(bytes(feedDoc({ releases: [release(), release({ channel: 'beta' })] })));
    parseFeed(bytes(feedDoc({ releases: [release(), release({ product: 'gateway' })] })));
  });

  it('refuses a newer schema with its own error, whatever the rest looks like', () => {
    const err = thrown(() => parseFeed(bytes({ schema: 2, entries: [] })), FeedSchemaError);
    expect(err).toMatchObject({ code: 'feed-unsupported-schema', schema: 2 });
    expect(err.message).toMatch(/update fieldflash/);
  });

  it('reads keys like __proto__ and constructor only as data', () => {
    const text = JSON.stringify(feedDoc()).replace('{', '{"__proto__":{"sequence":9},');
    expect(parseFeed(utf8ToBytes(text)).sequence).toBe(5);
    const doc = feedDoc();
    delete doc['sequence'];
    const noSequence = JSON.stringify(doc).replace('{', '{"__proto__":{"sequence":9},');
    thrown(() => parseFeed(utf8ToBytes(noSequence)), FeedMalformedError);
  });
});

describe('size limits', () => {
  it('refuses more than MAX_FEED_BYTES before parsing, with the size', () => {
    // Not JSON at all: a parse error would be feed-malformed, so this proves the order.
    const huge = new Uint8Array(MAX_FEED_BYTES + 1).fill(0x5b);
    const err = thrown(() => parseFeed(huge), FeedTooLargeError);
    expect(err).toMatchObject({
      code: 'feed-too-large',
      size: MAX_FEED_BYTES + 1,
      limit: MAX_FEED_BYTES,
    });
    const sig = signed().sig;
    thrown(() => verifyFeed(huge, sig, trusted(), null, { now: NOW }), FeedTooLargeError);
    expect(() => signFeed(huge, feedKey())).toThrow(FeedTooLargeError);
  });

  it('refuses more than MAX_RELEASES releases, before looking at any of them', () => {
    // Full releases are ~260 bytes, so 4096 of them exceed the byte limit;
    // placeholder entries show the count is checked first, on its own.
    const many = (n: number) => bytes(feedDoc({ releases: new Array<number>(n).fill(0) }));
    const atLimit = thrown(() => parseFeed(many(MAX_RELEASES)), FeedMalformedError);
    expect(atLimit.path).toBe('releases[0]');
    const over = thrown(() => parseFeed(many(MAX_RELEASES + 1)), FeedMalformedError);
    expect(over.path).toBe('releases');
    expect(over.reason).toMatch(/4097 releases, more than the 4096/);
    // A real feed of many releases within the byte limit parses.
    const releases = Array.from({ length: 2000 }, (_, i) =>
      release({ version: `0.${i >> 8}.${i & 0xff}` }),
    );
    expect(parseFeed(bytes(JSON.stringify(feedDoc({ releases })))).releases.length).toBe(2000);
  });
});

describe('ISO times', () => {
  it('reads UTC times with or without a fraction, and nothing else', () => {
    expect(parseIsoUtc('2025-06-01T00:00:00Z')).toBe(ISSUED);
    expect(parseIsoUtc('2025-06-01T00:00:00.250Z')).toBe(ISSUED + 250);
    expect(parseIsoUtc('2025-06-01T00:00:00.123456789Z')).toBe(ISSUED + 123);
    expect(parseIsoUtc('2024-02-29T00:00:00Z')).not.toBeNull();
    for (const bad of [
      '2025-02-29T00:00:00Z',
      '2025-06-01 00:00:00Z',
      '2025-06-01T00:00:60Z',
      '0099-01-01T00:00:00Z',
    ]) {
      expect(parseIsoUtc(bad), bad).toBeNull();
    }
  });

  it('the digest is of the exact bytes', () => {
    const feed = signed();
    expect(verify(feed).sha256).toBe(createHash('sha256').update(feed.json).digest('hex'));
  });
});
