/**
 * The release feed in the page: download the feed and its signature, verify
 * them against the feed keys pinned in the build and the highest sequence
 * this phone has seen, and only then remember both (never before the
 * rollback check: research/anchors.md §6). Offline, the last accepted feed
 * is verified again against the clock, so an expired one says so; using it
 * anyway is an explicit override the update log records.
 * @module
 */
import { FeedExpiredError, verifyFeed, type VerifiedFeed } from '../core/feed/index.ts';
import { parsePublicKey, trustKey, type TrustedKey } from '../core/keys/index.ts';
import { idbFeedStateStore, type FeedStateStore } from '../store/feed-state-idb.ts';
import { FEED_KEYS, FEED_URL } from './fieldflash.config.ts';
import { httpGet } from './http-get.ts';

export interface FeedStatus {
  readonly verified: VerifiedFeed;
  /** The feed's absolute URL (image URLs are relative to it). */
  readonly url: string;
  readonly fetchedAt: number;
  /** Just downloaded, or the copy kept on this phone (offline). */
  readonly from: 'network' | 'saved';
  /** The feed had expired and the user chose to use it anyway. */
  readonly overridden: boolean;
}

export interface FeedOptions {
  readonly allowExpired?: boolean;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
  readonly store?: FeedStateStore;
  readonly keys?: readonly TrustedKey[];
  readonly now?: number;
}

let defaultStore: FeedStateStore | null = null;
const storeOf = (o: FeedOptions) => o.store ?? (defaultStore ??= idbFeedStateStore());

export function feedKeys(): TrustedKey[] {
  return FEED_KEYS.map((k) => trustKey(parsePublicKey(k.pem), k.name));
}

/** The configured feed URL, absolute (a relative one is beside the app). */
export function defaultFeedUrl(): string {
  return new URL(FEED_URL, globalThis.location?.href ?? 'https://localhost/').href;
}

async function download(url: string, o: FeedOptions): Promise<Uint8Array> {
  // Always ask the server: a cached copy would hide a newer feed.
  const response = await httpGet(url, { ...o, cache: 'no-store' });
  return new Uint8Array(await response.arrayBuffer());
}

/** Verifies a feed against the feed keys and the highest sequence its signer reached here. */
async function verifyWithState(
  json: Uint8Array,
  signature: Uint8Array,
  o: FeedOptions,
): Promise<VerifiedFeed> {
  const keys = o.keys ?? feedKeys();
  const now = o.now ?? Date.now();
  // Which feed key signed it decides whose sequence counts (a first pass without state).
  const { signer } = verifyFeed(json, signature, keys, null, { now, allowExpired: true });
  const state = await storeOf(o).trust(signer.fingerprint);
  const allowExpired = o.allowExpired ?? false;
  return verifyFeed(json, signature, [signer], state, { now, allowExpired });
}

/** Downloads and verifies the feed at `url` (and `url`.sig); remembers it once accepted. */
export async function checkFeed(url: string, o: FeedOptions = {}): Promise<FeedStatus> {
  const [json, signature] = await Promise.all([download(url, o), download(`${url}.sig`, o)]);
  const fetchedAt = o.now ?? Date.now();
  const verified = await verifyWithState(json, signature, o);
  // Remembered only now, after every check passed (never before the rollback check).
  await storeOf(o).accept(verified.signer.fingerprint, verified.nextState, {
    schema: 1,
    url,
    json,
    signature,
    fetchedAt,
  });
  return { verified, url, fetchedAt, from: 'network', overridden: verified.expired };
}

/** The address of the feed this phone last accepted (the one it follows), or null. */
export async function savedFeedUrl(o: FeedOptions = {}): Promise<string | null> {
  return (await storeOf(o).lastFeed())?.url ?? null;
}

/** The feed last accepted on this phone, verified again now; null if none was kept. */
export async function savedFeed(o: FeedOptions = {}): Promise<FeedStatus | null> {
  const stored = await storeOf(o).lastFeed();
  if (!stored) return null;
  // Already the accepted copy: checked again (the clock moved on), nothing to write.
  const verified = await verifyWithState(stored.json, stored.signature, o);
  return {
    verified,
    url: stored.url,
    fetchedAt: stored.fetchedAt,
    from: 'saved',
    overridden: verified.expired,
  };
}

export { FeedExpiredError };
