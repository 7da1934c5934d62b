/**
 * The release feed in the page (src/app/release-feed.ts), against a fake
 * server and the IndexedDB feed state (fake-indexeddb): a good feed is
 * accepted and remembered; a refused one (bad signature, rollback, same
 * sequence with other contents, expired) changes NOTHING stored — the TUF
 * rule that the trusted state only moves after every check passed; the
 * saved feed is verified again when used offline; network failures are
 * DownloadErrors.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createStore, entries, type UseStore } from 'idb-keyval';
import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from '../../src/core/bytes.ts';
import {
  addRelease,
  FeedExpiredError,
  FeedRollbackError,
  FeedSignatureError,
  signFeed,
  type Ed25519PrivateKey,
  type Release,
} from '../../src/core/feed/index.ts';
import { parsePrivateKey, trustKey } from '../../src/core/keys/index.ts';
import { DownloadError } from '../../src/app/download-errors.ts';
import {
  checkFeed,
  feedKeys,
  savedFeed,
  savedFeedUrl,
  type FeedOptions,
} from '../../src/app/release-feed.ts';
import { idbFeedStateStore, type FeedStateStore } from '../../src/store/feed-state-idb.ts';
import { testKey } from '../helpers/keys.ts';

const DAY = 86_400_000;
/** 2025-06-01T00:00:00Z */
const T0 = Date.UTC(2025, 5, 1);
const URL_ = 'https://updates.example.test/feed/acme.json';

function ed25519(pem: string | Uint8Array): Ed25519PrivateKey {
  const key = parsePrivateKey(pem);
  if (key.type !== 'ed25519') throw new Error('not an Ed25519 key');
  return key;
}
const DEMO_FEED_KEY = ed25519(
  readFileSync(new URL('../../src/app/demo/demo-feed-key.pem', import.meta.url)),
);
const DEMO_FP = feedKeys()[0]?.fingerprint ?? '';
const OTHER_KEY = ed25519(testKey('ed25519').pem);

function release(version: string, notes = ''): Release {
  return {
    product: 'sensor',
    match: { board: 'nrf52840dk' },
    version,
    file: `fw/sensor-${version}.bin`,
    size: 1000,
    sha256: 'a'.repeat(64),
    imageHash: 'b'.repeat(64),
    notes,
    channel: 'stable',
  };
}

interface Published {
  readonly json: Uint8Array;
  readonly sig: Uint8Array;
  readonly sequence: number;
}

/** `feed add` then `feed sign`: the next feed after `prev`, issued at `now`. */
function publish(
  prev: Published | null,
  version: string,
  o: { now?: number; validForMs?: number; key?: Ed25519PrivateKey; notes?: string } = {},
): Published {
  const edited = addRelease(prev?.json ?? null, release(version, o.notes), {
    now: o.now ?? T0,
    validForMs: o.validForMs ?? 30 * DAY,
  });
  const json = utf8ToBytes(edited.text);
  return {
    json,
    sig: utf8ToBytes(signFeed(json, o.key ?? DEMO_FEED_KEY)),
    sequence: edited.feed.sequence,
  };
}

const urlOf = (input: RequestInfo | URL): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

/** A server holding one feed (and its .sig); `serve` swaps what it holds. */
function server() {
  const files = new Map<string, Uint8Array | number>();
  const requests: { url: string; cache: RequestCache | undefined }[] = [];
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = urlOf(input);
    requests.push({ url, cache: init?.cache });
    const body = files.get(url) ?? 404;
    return Promise.resolve(
      typeof body === 'number'
        ? new Response('not here', { status: body })
        : new Response(body.slice(), { status: 200 }),
    );
  }) as typeof globalThis.fetch;
  return {
    fetch,
    requests,
    files,
    serve(feed: Published, url = URL_) {
      files.set(url, feed.json);
      files.set(`${url}.sig`, feed.sig);
    },
  };
}

let dbCount = 0;
function feedDb(): { db: UseStore; store: FeedStateStore } {
  const db = createStore(`fieldflash-release-feed-test-${++dbCount}`, 'feed');
  return { db, store: idbFeedStateStore(db) };
}

/** Everything the feed state database holds, to compare before and after a refusal. */
async function snapshot(db: UseStore): Promise<[string, unknown][]> {
  return (await entries<string, unknown>(db)).sort(([a], [b]) => a.localeCompare(b));
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the feed to be refused');
    },
    (error: unknown) => error,
  );
}

describe('checkFeed', () => {
  it('accepts a good feed signed by the pinned feed key and remembers it', async () => {
    const s = server();
    const { store } = feedDb();
    const feed = publish(null, '1.0.0');
    s.serve(feed);
    const now = T0 + DAY;
    const status = await checkFeed(URL_, { fetch: s.fetch, store, now });
    expect(status).toMatchObject({ url: URL_, fetchedAt: now, from: 'network', overridden: false });
    expect(status.verified.feed.sequence).toBe(1);
    expect(status.verified.feed.releases.map((r) => r.version)).toEqual(['1.0.0']);
    expect(status.verified.signer.fingerprint).toBe(DEMO_FP);
    expect(status.verified.expired).toBe(false);
    // Both files fetched, always from the server (no HTTP cache hiding a newer feed).
    expect(s.requests.sort((a, b) => a.url.localeCompare(b.url))).toEqual([
      { url: URL_, cache: 'no-store' },
      { url: `${URL_}.sig`, cache: 'no-store' },
    ]);
    expect(await store.trust(DEMO_FP)).toEqual({
      sequence: 1,
      sha256: status.verified.sha256,
    });
    const kept = await store.lastFeed();
    expect(kept).toMatchObject({ schema: 1, url: URL_, fetchedAt: now });
    expect(kept?.json).toEqual(feed.json);
    expect(kept?.signature).toEqual(feed.sig);
    expect(await savedFeedUrl({ store })).toBe(URL_);
  });

  it('accepts newer feeds, and the same feed downloaded again', async () => {
    const s = server();
    const { store } = feedDb();
    const first = publish(null, '1.0.0');
    const second = publish(first, '1.1.0', { now: T0 + DAY });
    s.serve(first);
    await checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY });
    s.serve(second);
    const status = await checkFeed(URL_, { fetch: s.fetch, store, now: T0 + 2 * DAY });
    expect(status.verified.feed.sequence).toBe(2);
    expect(await store.trust(DEMO_FP)).toMatchObject({ sequence: 2 });
    // A plain re-download of the accepted bytes is fine.
    const again = await checkFeed(URL_, { fetch: s.fetch, store, now: T0 + 3 * DAY });
    expect(again.verified.sha256).toBe(status.verified.sha256);
  });

  describe('a refused feed leaves the trusted state and the saved feed unchanged', () => {
    /** A phone that accepted feed 1 then feed 2 (2025-06-02). */
    async function phone() {
      const s = server();
      const { db, store } = feedDb();
      const first = publish(null, '1.0.0');
      const second = publish(first, '1.1.0', { now: T0 + DAY });
      s.serve(first);
      await checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY });
      s.serve(second);
      await checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY });
      const before = await snapshot(db);
      expect(await store.trust(DEMO_FP)).toMatchObject({ sequence: 2 });
      const unchanged = async () => {
        expect(await snapshot(db)).toEqual(before);
        expect(await store.trust(DEMO_FP)).toMatchObject({ sequence: 2 });
        expect((await store.lastFeed())?.json).toEqual(second.json);
      };
      return { s, db, store, first, second, unchanged };
    }

    it('bad signature: signed by a key that is not pinned', async () => {
      const { s, store, second, unchanged } = await phone();
      s.serve(publish(second, '1.2.0', { now: T0 + DAY, key: OTHER_KEY }));
      const error = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY }));
      expect(error).toBeInstanceOf(FeedSignatureError);
      expect(error).toMatchObject({ code: 'feed-bad-signature' });
      await unchanged();
    });

    it('bad signature: the feed altered after signing', async () => {
      const { s, store, second, unchanged } = await phone();
      const next = publish(second, '1.2.0', { now: T0 + DAY });
      const text = new TextDecoder().decode(next.json).replace('"size": 1000', '"size": 1001');
      s.serve({ ...next, json: utf8ToBytes(text) });
      const error = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY }));
      expect(error).toBeInstanceOf(FeedSignatureError);
      await unchanged();
    });

    it('rollback: an older, validly signed feed replayed', async () => {
      const { s, store, first, unchanged } = await phone();
      s.serve(first);
      const error = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY }));
      expect(error).toBeInstanceOf(FeedRollbackError);
      expect(error).toMatchObject({ code: 'feed-rollback', seen: 2, got: 1 });
      await unchanged();
    });

    it('rollback is detected by a later app start (a new store on the same database)', async () => {
      const { s, db, first, unchanged } = await phone();
      s.serve(first);
      const error = await refusal(
        checkFeed(URL_, { fetch: s.fetch, store: idbFeedStateStore(db), now: T0 + 5 * DAY }),
      );
      expect(error).toMatchObject({ code: 'feed-rollback', seen: 2, got: 1 });
      await unchanged();
    });

    it('the same sequence with different contents', async () => {
      const { s, store, first, second, unchanged } = await phone();
      const forked = publish(first, '1.1.0', { now: T0 + DAY, notes: 'not the published notes' });
      expect(forked.sequence).toBe(second.sequence);
      s.serve(forked);
      const error = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY }));
      expect(error).toBeInstanceOf(FeedRollbackError);
      expect(error).toMatchObject({ seen: 2, got: 2 });
      await unchanged();
    });

    it('expired: refused with FeedExpiredError unless the user overrides', async () => {
      const { s, db, store, second, unchanged } = await phone();
      const third = publish(second, '1.2.0', { now: T0 + DAY, validForMs: DAY });
      s.serve(third);
      const late = T0 + 3 * DAY;
      const error = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: late }));
      expect(error).toBeInstanceOf(FeedExpiredError);
      expect(error).toMatchObject({ code: 'feed-expired', expires: '2025-06-03T00:00:00Z' });
      await unchanged();
      // The explicit override accepts it, says so, and only then moves the state.
      const status = await checkFeed(URL_, {
        fetch: s.fetch,
        store,
        now: late,
        allowExpired: true,
      });
      expect(status).toMatchObject({ overridden: true, from: 'network' });
      expect(status.verified.expired).toBe(true);
      expect(await store.trust(DEMO_FP)).toMatchObject({ sequence: 3 });
      expect((await store.lastFeed())?.json).toEqual(third.json);
      expect(await snapshot(db)).not.toEqual([]);
    });

    it('a feed that is not a feed at all', async () => {
      const { s, store, unchanged } = await phone();
      s.files.set(URL_, utf8ToBytes('<html>captive portal</html>'));
      const error = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY }));
      expect(error).toMatchObject({ code: expect.stringMatching(/^feed-/) as unknown });
      await unchanged();
    });
  });

  it('each pinned feed key keeps its own sequence', async () => {
    const s = server();
    const { store } = feedDb();
    const other = trustKey(OTHER_KEY.publicKey, 'second feed key');
    const keys = [...feedKeys(), other];
    const demo = publish(publish(null, '1.0.0'), '1.1.0');
    s.serve(demo);
    await checkFeed(URL_, { fetch: s.fetch, store, keys, now: T0 + DAY });
    s.serve(publish(null, '2.0.0', { key: OTHER_KEY }));
    const status = await checkFeed(URL_, { fetch: s.fetch, store, keys, now: T0 + DAY });
    expect(status.verified.signer.fingerprint).toBe(other.fingerprint);
    expect(await store.trust(DEMO_FP)).toMatchObject({ sequence: 2 });
    expect(await store.trust(other.fingerprint)).toMatchObject({ sequence: 1 });
  });

  it('no answer at all (offline, DNS, CORS): DownloadError with status null, nothing stored', async () => {
    const { db, store } = feedDb();
    const cause = new TypeError('fetch failed');
    const offline = (() => Promise.reject(cause)) as typeof fetch;
    const error = await refusal(checkFeed(URL_, { fetch: offline, store, now: T0 }));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: 'download-failed', status: null, url: URL_, cause });
    expect(await snapshot(db)).toEqual([]);
  });

  it('an error status: DownloadError with that status, for the feed or its signature', async () => {
    const s = server();
    const { db, store } = feedDb();
    const error = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: T0 }));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ status: 404 });
    s.serve(publish(null, '1.0.0'));
    s.files.set(`${URL_}.sig`, 503);
    const sigError = await refusal(checkFeed(URL_, { fetch: s.fetch, store, now: T0 }));
    expect(sigError).toMatchObject({ code: 'download-failed', status: 503, url: `${URL_}.sig` });
    expect(await snapshot(db)).toEqual([]);
  });

  it('a cancelled check rejects with the abort itself, not a DownloadError', async () => {
    const { store } = feedDb();
    const controller = new AbortController();
    const reason = new DOMException('The user cancelled.', 'AbortError');
    controller.abort(reason);
    const aborting = ((_: RequestInfo | URL, init?: RequestInit) =>
      Promise.reject(init?.signal?.reason as Error)) as typeof fetch;
    const error = await refusal(
      checkFeed(URL_, { fetch: aborting, store, now: T0, signal: controller.signal }),
    );
    expect(error).toBe(reason);
  });
});

describe('savedFeed (offline)', () => {
  const noNetwork = (() => {
    throw new Error('savedFeed must not use the network');
  }) as typeof fetch;

  async function accepted(): Promise<{ db: UseStore; store: FeedStateStore; feed: Published }> {
    const s = server();
    const { db, store } = feedDb();
    const feed = publish(null, '1.0.0', { validForMs: 7 * DAY });
    s.serve(feed);
    await checkFeed(URL_, { fetch: s.fetch, store, now: T0 + DAY });
    return { db, store, feed };
  }

  it('is null when no feed was ever accepted', async () => {
    const { store } = feedDb();
    expect(await savedFeed({ store, fetch: noNetwork, now: T0 })).toBeNull();
    expect(await savedFeedUrl({ store })).toBeNull();
  });

  it('verifies the kept feed again and returns it as saved', async () => {
    const { store } = await accepted();
    const o: FeedOptions = { store, fetch: noNetwork, now: T0 + 2 * DAY };
    const status = await savedFeed(o);
    expect(status).toMatchObject({
      url: URL_,
      fetchedAt: T0 + DAY,
      from: 'saved',
      overridden: false,
    });
    expect(status?.verified.feed.sequence).toBe(1);
    expect(status?.verified.expiresInMs).toBe(5 * DAY);
  });

  it('once expired, throws FeedExpiredError unless the user overrides', async () => {
    const { db, store } = await accepted();
    const before = await snapshot(db);
    const late = T0 + 30 * DAY;
    const error = await refusal(savedFeed({ store, fetch: noNetwork, now: late }));
    expect(error).toBeInstanceOf(FeedExpiredError);
    expect(await snapshot(db)).toEqual(before);
    const status = await savedFeed({ store, fetch: noNetwork, now: late, allowExpired: true });
    expect(status).toMatchObject({ from: 'saved', overridden: true });
    expect(status?.verified.expired).toBe(true);
  });

  it('a kept feed altered in storage is refused', async () => {
    const { store, feed } = await accepted();
    const kept = await store.lastFeed();
    if (!kept) throw new Error('no feed kept');
    const trust = await store.trust(DEMO_FP);
    if (!trust) throw new Error('no trust state');
    const altered = Uint8Array.from(feed.json);
    altered.set([(altered.at(-3) ?? 0) ^ 1], altered.length - 3);
    await store.accept(DEMO_FP, trust, { ...kept, json: altered });
    await expect(savedFeed({ store, fetch: noNetwork, now: T0 + DAY })).rejects.toBeInstanceOf(
      FeedSignatureError,
    );
  });
});
