/**
 * The release feed document: what a publisher signs and fieldflash reads.
 * Shaped after SUIT's manifest elements (research/anchors.md §6): a monotonic
 * sequence number (rollback), an expiry (freeze), and per payload its
 * location, size and digest, so a later move to SUIT is a serialisation change.
 * @module
 */

/** The feed format this code reads and writes. A higher one is refused, not guessed at. */
export const FEED_SCHEMA = 1;

/** 1 MiB: thousands of releases. Larger input is refused before any parsing. */
export const MAX_FEED_BYTES = 1_048_576;

/** Bounds the work matching does per device, whatever the byte limit allows. */
export const MAX_RELEASES = 4096;

/** Which devices a release is for. Every criterion given must fit; at least one is given. */
export interface ReleaseMatch {
  /** Zephyr board name (`nrf52840dk`, or qualified `nrf52840dk/nrf52840`). */
  readonly board?: string;
  /** The start of the device's Bluetooth name (`Sensor-`). */
  readonly bleNamePrefix?: string;
}

export interface Release {
  readonly product: string;
  readonly match: ReleaseMatch;
  /** MCUboot version text, `1.0.0+0` (imgtool notation; `parseVersion` accepts it). */
  readonly version: string;
  /** URL of the image: relative to the feed's URL, or absolute `https://`. */
  readonly file: string;
  /** Bytes of the file. */
  readonly size: number;
  /** Lowercase hex SHA-256 of the whole file, as served. */
  readonly sha256: string;
  /** Lowercase hex MCUboot image hash: what the device lists per slot. */
  readonly imageHash: string;
  readonly notes: string;
  /** `stable`, `beta`, … */
  readonly channel: string;
  /** The device must already run at least this version (e.g. a flash layout change). */
  readonly minVersion?: string;
}

export interface Feed {
  readonly schema: 1;
  /** Non-negative safe integer; a publisher raises it with every change. */
  readonly sequence: number;
  /** ISO-8601 UTC. */
  readonly issued?: string;
  /** ISO-8601 UTC; required, so that a withheld update cannot go unnoticed forever. */
  readonly expires: string;
  readonly releases: readonly Release[];
}
