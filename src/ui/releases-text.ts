/**
 * Words for the release feed panel: sizes, release names, and how old the
 * feed is — the "feed is N days old / expired" a technician must see.
 * @module
 */
import type { FeedStatus } from '../app/release-feed.ts';
import type { Release } from '../core/feed/index.ts';

const DAY = 86_400_000;

export const mb = (bytes: number) =>
  bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(1)} GB`
    : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(1)} MB`
      : `${(bytes / 1e3).toFixed(1)} kB`;

export const releaseLabel = (r: Release) => `${r.product} ${r.version}`;

const days = (ms: number) => {
  const d = Math.floor(Math.abs(ms) / DAY);
  return d === 0 ? 'less than a day' : d === 1 ? '1 day' : `${d} days`;
};

export function feedAge(status: FeedStatus): string {
  const v = status.verified;
  const checked = Date.now() - status.fetchedAt;
  const where = status.from === 'saved' ? 'saved on this phone, ' : '';
  const head = `Feed #${v.feed.sequence}, signed by ${v.signer.name} (${v.signer.keyId}); ${where}downloaded ${days(checked)} ago`;
  return v.expiresInMs <= 0
    ? `${head}. EXPIRED ${days(v.expiresInMs)} ago — used anyway: this is recorded in the update log.`
    : `${head}; expires in ${days(v.expiresInMs)}.`;
}

/** What the update log records about where the image came from, when it matters. */
export function feedNote(status: FeedStatus): string | null {
  const v = status.verified;
  return status.overridden
    ? `release feed #${v.feed.sequence} expired ${days(v.expiresInMs)} ago: used anyway (override)`
    : null;
}
