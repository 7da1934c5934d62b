/**
 * The signed release feed: a JSON document listing firmware releases, signed
 * (detached Ed25519) by a pinned feed key, with a sequence number against
 * rollback and an expiry against freeze. Parse, verify, match, publish.
 * @module
 */
export * from './types.ts';
export * from './errors.ts';
export { parseFeed } from './parse.ts';
export { formatIsoUtc, parseIsoUtc } from './iso-time.ts';
export {
  FEED_SIGNATURE_BYTES,
  parseFeedSignature,
  signFeed,
  type Ed25519PrivateKey,
} from './signature.ts';
export {
  verifyFeed,
  type FeedTrustState,
  type FeedVerifyOptions,
  type VerifiedFeed,
} from './verify.ts';
export {
  matchingReleases,
  proposeRelease,
  type DeviceIdentity,
  type MatchOptions,
  type ProposeOptions,
  type ReleaseChoice,
} from './match.ts';
export { addRelease, checkRelease, type EditedFeed, type FeedDates } from './edit.ts';
