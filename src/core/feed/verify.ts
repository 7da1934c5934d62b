/**
 * `verifyFeed`: the one gate a feed passes before the app believes it. The
 * order is the TUF client's (research/anchors.md §6), cheapest refusal first
 * and nothing parsed that is not signed:
 *   1. size limit (before touching the bytes),
 *   2. signature over the exact bytes by a pinned Ed25519 feed key,
 *   3. parse (only now is the content looked at),
 *   4. rollback against the caller's trusted state,
 *   5. expiry (freeze), unless the caller explicitly allows an expired feed.
 * It is pure: it returns the state to persist (`nextState`) and persists
 * nothing, so a caller cannot store a feed's sequence before the rollback
 * check has passed (the mistake of CVE-2025-2888 in `tough`). Persist
 * `nextState` only after accepting the result.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../bytes.ts';
import type { TrustedKey } from '../keys/trusted-key.ts';
import { FeedExpiredError, FeedRollbackError } from './errors.ts';
import { parseIsoUtc } from './iso-time.ts';
import { checkFeedSize, parseFeed } from './parse.ts';
import { findFeedSigner, parseFeedSignature } from './signature.ts';
import type { Feed } from './types.ts';

/** What a client remembers between feeds: the highest sequence accepted, and that feed's SHA-256. */
export interface FeedTrustState {
  readonly sequence: number;
  readonly sha256: string;
}

export interface FeedVerifyOptions {
  /** The current time, ms since the epoch (the core reads no clock). */
  readonly now: number;
  /** Accept a feed past its expiry (offline work); the result says `expired: true` and the caller logs it. */
  readonly allowExpired?: boolean;
}

export interface VerifiedFeed {
  readonly feed: Feed;
  readonly signer: TrustedKey;
  /** SHA-256 of the JSON bytes, hex. */
  readonly sha256: string;
  /** True only when `allowExpired` let an expired feed through. */
  readonly expired: boolean;
  /** now − issued; null when the feed has no `issued`. */
  readonly ageMs: number | null;
  /** expires − now; negative once expired. */
  readonly expiresInMs: number;
  /** What the caller must persist after accepting this feed. */
  readonly nextState: FeedTrustState;
}

function checkRollback(feed: Feed, digest: string, state: FeedTrustState | null): void {
  if (state === null) return;
  if (feed.sequence < state.sequence) throw new FeedRollbackError(state.sequence, feed.sequence);
  // Same number, other bytes: either a publisher changed a feed without
  // bumping it, or an attacker mixes two feeds; both are refused. The same
  // bytes again are a plain re-download.
  if (feed.sequence === state.sequence && digest !== state.sha256.toLowerCase()) {
    throw new FeedRollbackError(state.sequence, feed.sequence);
  }
}

/**
 * Checks a feed and its signature. `signature` is the 64 signature bytes or
 * the `.sig` file as is (see parseFeedSignature). Throws a FeedError subclass.
 */
// Five parameters, against the lint rule's four: this is the signature the app
// is built against, and each argument is a different kind of thing.
// eslint-disable-next-line @typescript-eslint/max-params
export function verifyFeed(
  json: Uint8Array,
  signature: Uint8Array,
  keys: readonly TrustedKey[],
  state: FeedTrustState | null,
  options: FeedVerifyOptions,
): VerifiedFeed {
  const { now } = options;
  // A NaN clock would make every expiry comparison false, i.e. fail open.
  if (!Number.isFinite(now)) throw new RangeError('verifyFeed: options.now must be a finite time');
  checkFeedSize(json);
  const signer = findFeedSigner(json, parseFeedSignature(signature), keys);
  const feed = parseFeed(json);
  const digest = bytesToHex(sha256(json));
  checkRollback(feed, digest, state);
  // parseFeed has checked both times, so the fallbacks never apply.
  const expires = parseIsoUtc(feed.expires) ?? 0;
  const issued = feed.issued === undefined ? null : parseIsoUtc(feed.issued);
  const expired = now >= expires;
  if (expired && !options.allowExpired) throw new FeedExpiredError(feed.expires, now);
  return {
    feed,
    signer,
    sha256: digest,
    expired,
    ageMs: issued === null ? null : now - issued,
    expiresInMs: expires - now,
    nextState: { sequence: feed.sequence, sha256: digest },
  };
}
