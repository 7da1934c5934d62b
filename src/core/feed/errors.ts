/**
 * Why a release feed was refused. Every way a feed can be bad ends in one of
 * these (DESIGN.md invariant 4), so the app and the CLI branch on the class or
 * `code` and show the message to the technician as is.
 * @module
 */
import { FieldflashError } from '../errors.ts';

/** The common base, so a caller can tell "the feed said no" from any other failure. */
export abstract class FeedError extends FieldflashError {}

/** The feed (or its signature file) is not what the schema says, at `path`. */
export class FeedMalformedError extends FeedError {
  readonly code = 'feed-malformed';
  constructor(
    /** Where in the document: `releases[2].sha256`, `expires`, `(document)`, `signature`. */
    readonly path: string,
    /** What is wrong there, in words. */
    readonly reason: string,
  ) {
    super(`The release feed is damaged or not a fieldflash feed (${path}: ${reason}).`);
  }
}

/** Refused before parsing: a feed is a list of releases, never megabytes. */
export class FeedTooLargeError extends FeedError {
  readonly code = 'feed-too-large';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `The release feed is ${size} bytes, more than the ${limit} bytes a feed may have; it was not read.`,
    );
  }
}

/** A feed for a newer fieldflash: its meaning may differ, so it is not guessed at. */
export class FeedSchemaError extends FeedError {
  readonly code = 'feed-unsupported-schema';
  constructor(
    readonly schema: number,
    readonly supported: number,
  ) {
    super(
      `The release feed uses format ${schema}, but this fieldflash reads format ${supported}; update fieldflash.`,
    );
  }
}

/** No trusted feed key verifies the exact bytes of the feed. */
export class FeedSignatureError extends FeedError {
  readonly code = 'feed-bad-signature';
  constructor(
    /** How many Ed25519 feed keys were tried. */
    readonly keysTried: number,
  ) {
    super(
      keysTried === 0
        ? 'The release feed cannot be trusted: no Ed25519 feed key is configured to check it.'
        : 'The release feed is not signed by a trusted feed key, or altered after signing; do not use it.',
    );
  }
}

/** An older feed than one already seen, or a changed feed that kept its sequence number. */
export class FeedRollbackError extends FeedError {
  readonly code = 'feed-rollback';
  constructor(
    /** The highest sequence accepted before. */
    readonly seen: number,
    /** This feed's sequence. */
    readonly got: number,
  ) {
    super(
      got < seen
        ? `The release feed is older (sequence ${got}) than one already seen (sequence ${seen}); someone may be replaying an old feed. Refused.`
        : `The release feed has the same sequence (${got}) as the one already seen but different contents; a changed feed must have a higher sequence. Refused.`,
    );
  }
}

/** The feed is past its expiry: it may hide newer (fixed) releases (a freeze attack). */
export class FeedExpiredError extends FeedError {
  readonly code = 'feed-expired';
  constructor(
    /** The feed's `expires` text. */
    readonly expires: string,
    /** The time it was checked at, ms since the epoch. */
    readonly now: number,
  ) {
    super(
      `The release feed expired on ${expires}; fetch a fresh one (or, offline, override explicitly).`,
    );
  }
}
