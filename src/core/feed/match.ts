/**
 * Which releases of a feed are for the connected device, and which one to
 * propose: the newest that fits and is newer than what runs, never an older
 * one unless asked (research/anchors.md §6: anti-rollback on the phone too).
 * @module
 */
import { compareVersions, parseVersion, type ImageVersion } from '../image/version.ts';
import { parseDeviceVersion } from '../smp/messages/image.ts';
import type { Feed, Release } from './types.ts';

/** What the app knows of the connected device; null for what it could not learn. */
export interface DeviceIdentity {
  /** Zephyr board name as the device reports it, possibly qualified (`nrf52840dk/nrf52840`). */
  readonly board: string | null;
  /** Bluetooth name. */
  readonly name: string | null;
  /** The running image's version, as the device reports it (`1.2.3`, `1.2.3.4`) or `1.2.3+4`. */
  readonly runningVersion: string | null;
}

export interface ReleaseChoice {
  readonly release: Release;
  /** The release's version compared with the running one. */
  readonly relation: 'newer' | 'same' | 'older' | 'unknown';
}

export interface MatchOptions {
  /** Only releases of this channel; all channels when absent. */
  readonly channel?: string;
}

export interface ProposeOptions extends MatchOptions {
  /** Also propose an older release (a deliberate downgrade) when no newer one fits. */
  readonly allowOlder?: boolean;
}

/**
 * Build numbers count: the device reports them (`1.2.3.4`) and a feed may
 * publish `1.2.3+5` as a fix of `1.2.3+4`.
 */
const BY_BUILD = { useBuild: true } as const;

/** The device's notation or imgtool's; null when neither parses. */
function readVersion(text: string | null): ImageVersion | null {
  if (text === null) return null;
  for (const parse of [parseVersion, parseDeviceVersion]) {
    try {
      return parse(text);
    } catch {
      // try the other notation
    }
  }
  return null;
}

/** Zephyr qualifies boards as `board/soc[/variant]`; a release for `board` fits them all. */
function boardFits(wanted: string, board: string | null): boolean {
  if (board === null) return false;
  return board === wanted || board.split('/')[0] === wanted;
}

function fits(release: Release, device: DeviceIdentity): boolean {
  const { board, bleNamePrefix } = release.match;
  if (board !== undefined && !boardFits(board, device.board)) return false;
  if (bleNamePrefix !== undefined && !(device.name ?? '').startsWith(bleNamePrefix)) return false;
  return true;
}

function relationOf(release: Release, running: ImageVersion | null): ReleaseChoice['relation'] {
  if (running === null) return 'unknown';
  const order = compareVersions(parseVersion(release.version), running, BY_BUILD);
  return order > 0 ? 'newer' : order < 0 ? 'older' : 'same';
}

/** Every release for this device (all of a release's match criteria must fit), newest first. */
export function matchingReleases(
  feed: Feed,
  device: DeviceIdentity,
  options: MatchOptions = {},
): ReleaseChoice[] {
  const running = readVersion(device.runningVersion);
  return feed.releases
    .filter(
      (r) => (options.channel === undefined || r.channel === options.channel) && fits(r, device),
    )
    .map((release) => ({ release, relation: relationOf(release, running) }))
    .sort((a, b) =>
      compareVersions(parseVersion(b.release.version), parseVersion(a.release.version), BY_BUILD),
    );
}

/**
 * The release to offer after connecting: the newest matching one newer than
 * the running version whose `minVersion` the device meets; with `allowOlder`
 * the newest matching one other than the running version. When the running
 * version is unknown: the newest matching one without a `minVersion` (which
 * could not be confirmed), relation 'unknown'. Null when none qualifies.
 */
export function proposeRelease(
  feed: Feed,
  device: DeviceIdentity,
  options: ProposeOptions = {},
): ReleaseChoice | null {
  const running = readVersion(device.runningVersion);
  const meetsMinimum = (r: Release) =>
    r.minVersion === undefined ||
    (running !== null && compareVersions(running, parseVersion(r.minVersion), BY_BUILD) >= 0);
  const wanted = (c: ReleaseChoice) =>
    c.relation === 'unknown' ||
    c.relation === 'newer' ||
    (options.allowOlder === true && c.relation === 'older');
  return (
    matchingReleases(feed, device, options).find((c) => wanted(c) && meetsMinimum(c.release)) ??
    null
  );
}
