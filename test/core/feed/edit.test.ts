/**
 * Publishing (`feed add`'s core): start a feed, add and replace releases,
 * raise the sequence, re-date, keep fields this version does not know, and
 * never produce a feed that parseFeed refuses.
 */
import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from '../../../src/core/bytes.ts';
import {
  addRelease,
  FeedMalformedError,
  FeedSchemaError,
  parseFeed,
  type Release,
} from '../../../src/core/feed/index.ts';
import { bytes, DAY, feedDoc, ISSUED, release } from './fixtures.ts';

const entry = (over: Record<string, unknown> = {}) => release(over) as unknown as Release;
const dates = { now: ISSUED, validForMs: 30 * DAY };

describe('addRelease', () => {
  it('starts a feed at sequence 1, dated, pretty-printed', () => {
    const { text, feed, replaced } = addRelease(null, entry(), dates);
    expect(replaced).toBe(false);
    expect(feed).toMatchObject({
      schema: 1,
      sequence: 1,
      issued: '2025-06-01T00:00:00Z',
      expires: '2025-07-01T00:00:00Z',
    });
    expect(feed.releases).toEqual([release()]);
    expect(text.startsWith('{\n  "schema": 1,\n  "sequence": 1,\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseFeed(utf8ToBytes(text))).toEqual(feed);
  });

  it('appends a new release, replaces one of the same product, version and channel', () => {
    const first = addRelease(null, entry(), dates);
    const second = addRelease(utf8ToBytes(first.text), entry({ version: '1.1.0+0' }), {
      now: ISSUED + DAY,
      validForMs: DAY,
    });
    expect(second.feed.sequence).toBe(2);
    expect(second.feed.issued).toBe('2025-06-02T00:00:00Z');
    expect(second.feed.expires).toBe('2025-06-03T00:00:00Z');
    expect(second.feed.releases.map((r) => r.version)).toEqual(['1.0.0+0', '1.1.0+0']);
    const third = addRelease(
      utf8ToBytes(second.text),
      entry({ version: '1.0.0', size: 99 }),
      dates,
    );
    expect(third.replaced).toBe(true);
    expect(third.feed.sequence).toBe(3);
    expect(third.feed.releases.map((r) => [r.version, r.size])).toEqual([
      ['1.0.0', 99],
      ['1.1.0+0', 1234],
    ]);
    const beta = addRelease(utf8ToBytes(third.text), entry({ channel: 'beta' }), dates);
    expect(beta.replaced).toBe(false);
    expect(beta.feed.releases).toHaveLength(3);
  });

  it('keeps fields it does not know', () => {
    const doc = feedDoc({ vendor: 'acme', releases: [release({ x: 1 })] });
    const { text } = addRelease(bytes(doc), entry({ version: '2.0.0' }), dates);
    const written = JSON.parse(text) as { vendor: string; releases: { x?: number }[] };
    expect(written.vendor).toBe('acme');
    expect(written.releases[0]?.x).toBe(1);
  });

  it('refuses a release that would make the feed malformed, and a damaged or newer feed', () => {
    expect(() => addRelease(null, entry({ sha256: 'xyz' }), dates)).toThrow(FeedMalformedError);
    let err: unknown;
    try {
      addRelease(null, entry({ file: 'http://insecure/fw.bin' }), dates);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'feed-malformed', path: 'release.file' });
    expect(() => addRelease(utf8ToBytes('{'), entry(), dates)).toThrow(FeedMalformedError);
    expect(() => addRelease(bytes({ schema: 2 }), entry(), dates)).toThrow(FeedSchemaError);
    expect(() =>
      addRelease(bytes(feedDoc({ sequence: Number.MAX_SAFE_INTEGER })), entry(), dates),
    ).toThrow(/cannot be raised/);
  });
});
