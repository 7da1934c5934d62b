/**
 * The release feed's trusted state, in its own IndexedDB database: the
 * highest sequence accepted per feed signing key (with that feed's SHA-256),
 * which is what makes rollback detectable at all — a client that forgets it
 * accepts any old signed feed (TUF; research/anchors.md §6) — and the last
 * accepted feed file itself, for offline use.
 * @module
 */
import { createStore, get, type UseStore } from 'idb-keyval';
import type { FeedTrustState } from '../core/feed/index.ts';
import { FieldflashError } from '../core/errors.ts';
import { guardStorage } from './idb-guard.ts';
import { isCount, isHex, isText, readRecord, type RecordSchema } from './versioned.ts';

export const FEED_DB = 'fieldflash-feed';

/**
 * The highest feed sequence this phone accepted cannot be read (written by a
 * newer fieldflash, or damaged): without it rollback cannot be ruled out, so
 * no feed signed by that key is accepted.
 */
export class FeedStateUnreadableError extends FieldflashError {
  readonly code = 'feed-state-unreadable';
  constructor(
    /** Fingerprint of the feed key whose record it is. */
    readonly signer: string,
    readonly why: string,
  ) {
    super(
      `This phone's record of the release feeds it accepted cannot be read (${why}), so an older feed cannot be ruled out; no feed is accepted. Update fieldflash to its newest version.`,
    );
  }
}

export interface StoredFeed {
  readonly schema: 1;
  readonly url: string;
  /** The feed file and its signature exactly as downloaded (verified again when used). */
  readonly json: Uint8Array;
  readonly signature: Uint8Array;
  /** Milliseconds since 1970. */
  readonly fetchedAt: number;
}

const TRUST: RecordSchema<FeedTrustState> = {
  current: 1,
  parse: (v) =>
    isCount(v['sequence']) && isHex(v['sha256'], 64)
      ? { sequence: v['sequence'], sha256: v['sha256'] }
      : null,
};

const FEED: RecordSchema<StoredFeed> = {
  current: 1,
  parse: (v) =>
    isText(v['url']) &&
    v['json'] instanceof Uint8Array &&
    v['signature'] instanceof Uint8Array &&
    isCount(v['fetchedAt'])
      ? {
          schema: 1,
          url: v['url'],
          json: v['json'],
          signature: v['signature'],
          fetchedAt: v['fetchedAt'],
        }
      : null,
};

export interface FeedStateStore {
  /** Highest accepted sequence for feeds signed by this key (fingerprint), or null. */
  trust(signer: string): Promise<FeedTrustState | null>;
  /**
   * Records an accepted feed: its trust state and its file, in one transaction.
   * Called only after every check passed (never before the rollback check).
   */
  accept(signer: string, state: FeedTrustState, feed: StoredFeed): Promise<void>;
  /** The last accepted feed file, or null. */
  lastFeed(): Promise<StoredFeed | null>;
}

export function idbFeedStateStore(db: UseStore = createStore(FEED_DB, 'feed')): FeedStateStore {
  return {
    trust: (signer) =>
      guardStorage('the feed state', async () => {
        const raw = await get<unknown>(`trust:${signer}`, db);
        if (raw === undefined) return null;
        const read = readRecord(raw, TRUST);
        // Fail closed: reading an unreadable record as "none seen" would let an old feed back in.
        if (!read.ok) throw new FeedStateUnreadableError(signer, read.why);
        return read.value;
      }),
    accept: (signer, state, feed) =>
      guardStorage('the release feed', () =>
        db('readwrite', (store) => {
          store.put({ schema: 1, ...state }, `trust:${signer}`);
          store.put(feed, 'feed:last');
          return new Promise<void>((resolve, reject) => {
            store.transaction.oncomplete = () => resolve();
            const failed = () =>
              reject(store.transaction.error ?? new Error('the feed state was not saved'));
            store.transaction.onerror = failed;
            store.transaction.onabort = failed;
          });
        }),
      ),
    lastFeed: () =>
      guardStorage('the stored feed', async () => {
        const read = readRecord(await get<unknown>('feed:last', db), FEED);
        return read.ok ? read.value : null;
      }),
  };
}
