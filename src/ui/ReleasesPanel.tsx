/**
 * Firmware from the signed release feed: the feed's state (who signed it,
 * how old, when it expires — or that it is expired, with an explicit "use it
 * anyway"), the releases with "Make available offline", the firmware saved
 * on this phone with storage used and quota, and — once a device is
 * connected — the newest release for it. All logic is in app/ (loaded on
 * demand); this renders it.
 * @module
 */
import { useEffect, useState } from 'preact/hooks';
import type { ConnectedDevice } from '../app/device-link.ts';
import type { CheckedImage, UnreadableImage } from '../app/image-check.ts';
import type { FeedStatus } from '../app/release-feed.ts';
import type { Release, ReleaseChoice } from '../core/feed/index.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import type { CachedFirmware, StorageUse } from '../app/offline-firmware.ts';
import { feedAge, feedNote, mb, releaseLabel } from './releases-text.ts';

export interface ReleasesPanelProps {
  readonly device: ConnectedDevice | null;
  readonly keys: readonly TrustedKey[];
  /** A saved image was opened (and verified again); `note` goes into the update log. */
  readonly onImage: (image: CheckedImage | UnreadableImage, note: string | null) => void;
  readonly busy: boolean;
}

const loadFeed = () => import('../app/release-feed.ts');
const loadCache = () => import('../app/offline-firmware.ts');

export function ReleasesPanel({ device, keys, onImage, busy }: ReleasesPanelProps) {
  const [feed, setFeed] = useState<FeedStatus | null>(null);
  const [expiredSaved, setExpiredSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [url, setUrl] = useState('');
  const [saved, setSaved] = useState<CachedFirmware[]>([]);
  const [unreadable, setUnreadable] = useState(0);
  const [storage, setStorage] = useState<StorageUse | null>(null);
  const [progress, setProgress] = useState<Record<string, number>>({});
  const fail = (e: unknown) => setError((e as Error).message);

  async function refreshCache() {
    const m = await loadCache();
    const list = await m.firmwareCache().list();
    setSaved(list.items);
    setUnreadable(list.unreadable);
    setStorage(await m.storageUse());
  }

  async function openSaved(allowExpired = false) {
    const m = await loadFeed();
    try {
      setFeed(await m.savedFeed({ allowExpired }));
      setExpiredSaved(null);
    } catch (e) {
      if (e instanceof m.FeedExpiredError) setExpiredSaved(e.message);
      else throw e;
    }
  }

  useEffect(() => {
    // The feed this phone follows is the one it last accepted, else the configured one.
    void loadFeed()
      .then(async (m) => {
        setUrl((await m.savedFeedUrl().catch(() => null)) ?? m.defaultFeedUrl());
        await openSaved();
      })
      .catch(fail);
    void refreshCache().catch(fail);
  }, []);

  async function check() {
    setChecking(true);
    setError(null);
    try {
      const m = await loadFeed();
      setFeed(await m.checkFeed(url));
      setExpiredSaved(null);
    } catch (e) {
      fail(e);
    } finally {
      setChecking(false);
    }
  }

  const cachedFor = (r: Release) => saved.find((c) => c.sha256 === r.sha256) ?? null;

  async function download(r: Release): Promise<CachedFirmware | null> {
    if (!feed) return null;
    setError(null);
    try {
      const m = await loadCache();
      await m.askToPersist();
      const item = await m.makeAvailableOffline(r, feed.url, keys, {
        onProgress: (got, total) => setProgress((p) => ({ ...p, [r.sha256]: got / total })),
      });
      await refreshCache();
      return item;
    } catch (e) {
      fail(e);
      return null;
    } finally {
      setProgress(({ [r.sha256]: _, ...rest }) => rest);
    }
  }

  async function use(item: CachedFirmware) {
    setError(null);
    try {
      const m = await loadCache();
      onImage(await m.openCached(item, keys), feed ? feedNote(feed) : null);
    } catch (e) {
      fail(e);
    }
  }

  async function remove(item: CachedFirmware) {
    try {
      await (await loadCache()).firmwareCache().remove(item.sha256);
      await refreshCache();
    } catch (e) {
      fail(e);
    }
  }

  const proposal = useProposal(feed, device);
  const releases = feed?.verified.feed.releases ?? [];

  return (
    <section class="releases" aria-label="Release feed">
      <h3>From the release feed</h3>
      <div role="status" aria-label="Feed status">
        {feed && <p class={feed.overridden ? 'error' : ''}>{feedAge(feed)}</p>}
        {!feed && !expiredSaved && <p class="muted">No feed checked on this phone yet.</p>}
      </div>
      {expiredSaved && (
        <div class="banner" role="region" aria-label="Expired feed">
          <p>{expiredSaved}</p>
          <button type="button" class="button secondary" onClick={() => void openSaved(true)}>
            Use the expired feed anyway
          </button>
        </div>
      )}
      <button type="button" class="button" onClick={() => void check()} disabled={checking}>
        {checking ? 'Checking…' : 'Check for updates'}
      </button>
      <details>
        <summary>Feed address</summary>
        <input
          type="url"
          aria-label="Feed address"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </details>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {proposal && (
        <p aria-label="Proposed release">
          For this device: <strong>{releaseLabel(proposal.release)}</strong>
          {proposal.relation === 'newer' ? ' (newer than what it runs)' : ''}{' '}
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() =>
              void (async () => {
                const item = cachedFor(proposal.release) ?? (await download(proposal.release));
                if (item) await use(item);
              })()
            }
          >
            Use {proposal.release.version}
          </button>
        </p>
      )}
      {releases.length > 0 && (
        <ul aria-label="Releases" class="release-list">
          {releases.map((r) => {
            const item = cachedFor(r);
            const p = progress[r.sha256];
            return (
              <li key={r.sha256}>
                <strong>{releaseLabel(r)}</strong> · {r.channel} · {mb(r.size)}
                {r.notes && <span class="muted"> — {r.notes}</span>}{' '}
                {item ? (
                  <span class="muted">saved on this phone</span>
                ) : p !== undefined ? (
                  <progress aria-label={`Downloading ${releaseLabel(r)}`} max={1} value={p} />
                ) : (
                  <button
                    type="button"
                    class="link"
                    aria-label={`Make ${releaseLabel(r)} available offline`}
                    onClick={() => void download(r)}
                  >
                    Make available offline
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <h3>Saved on this phone</h3>
      {saved.length === 0 && <p class="muted">No firmware saved for offline use.</p>}
      <ul aria-label="Saved firmware" class="release-list">
        {saved.map((c) => (
          <li key={c.sha256}>
            <strong>
              {c.release ? releaseLabel(c.release) : c.fileName} {c.release ? '' : c.version}
            </strong>{' '}
            · {mb(c.size)} · signed by {c.signer.name}{' '}
            <button
              type="button"
              class="link"
              disabled={busy}
              aria-label={`Use saved ${c.fileName} ${c.version}`}
              onClick={() => void use(c)}
            >
              Use
            </button>{' '}
            <button
              type="button"
              class="link"
              disabled={busy}
              aria-label={`Remove saved ${c.fileName} ${c.version}`}
              onClick={() => void remove(c)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {unreadable > 0 && (
        <p class="error">
          {unreadable} saved item(s) could not be read back (stored by a newer version, or damaged);
          they are not used.
        </p>
      )}
      {storage && (
        <p class="muted" aria-label="Storage used">
          Storage: {mb(storage.used)} used of {mb(storage.quota)} available to this app
          {storage.persisted ? ' (kept under storage pressure)' : ''}.
        </p>
      )}
    </section>
  );
}

/** The newest release the feed has for the connected device (never an older one). */
function useProposal(feed: FeedStatus | null, device: ConnectedDevice | null) {
  const [choice, setChoice] = useState<ReleaseChoice | null>(null);
  useEffect(() => {
    setChoice(null);
    if (!feed || !device) return;
    const running = device.summary.slots.find((s) => (s.image ?? 0) === 0 && s.active);
    void import('../core/feed/index.ts').then((m) =>
      setChoice(
        m.proposeRelease(feed.verified.feed, {
          board: device.summary.board,
          name: device.summary.name,
          runningVersion: running?.version ?? null,
        }),
      ),
    );
  }, [feed, device]);
  return choice;
}
