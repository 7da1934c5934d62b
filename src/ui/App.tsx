/**
 * The page, in three steps: connect a device (or the demo), open an image and
 * see whether it is genuine before anything is sent, update with live
 * progress. The verified image stays for the next device.
 * @module
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  checkImageFile,
  fetchSample,
  pinnedKeys,
  type CheckedImage,
  type UnreadableImage,
} from '../app/image-check.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import type { ConnectedDevice } from '../app/device-link.ts';
import { setUpdateRunning } from '../app/pwa.ts';
import { browserStorage, devicesThisShift } from '../app/shift-counter.ts';
import type { LogSyncState, LogView } from '../app/update-log.ts';
import { AppUpdatePrompt } from './AppUpdatePrompt.tsx';
import { ConnectPanel } from './ConnectPanel.tsx';
import { ExpertPanel } from './ExpertPanel.tsx';
import { ImagePicker } from './ImagePicker.tsx';
import { KeyList } from './KeyList.tsx';
import { LogPanel } from './LogPanel.tsx';
import { PlatformNotice, usePlatformReport } from './PlatformNotice.tsx';
import { ReleasesPanel } from './ReleasesPanel.tsx';
import { UpdatePanel } from './UpdatePanel.tsx';
import { VerdictCard } from './VerdictCard.tsx';

export function App() {
  const [pinned] = useState(pinnedKeys);
  const [imported, setImported] = useState<{ keys: TrustedKey[]; unreadable: number }>({
    keys: [],
    unreadable: 0,
  });
  const [imageNote, setImageNote] = useState<string | null>(null);
  const [result, setResult] = useState<CheckedImage | UnreadableImage | null>(null);
  const [checking, setChecking] = useState<string | null>(null);
  const [device, setDevice] = useState<ConnectedDevice | null>(null);
  const [running, setRunning] = useState(false);
  const platform = usePlatformReport();
  const wakeLock = useRef<{ release(): Promise<void> } | null>(null);
  /** The image on screen, to check again when the trusted keys change. */
  const lastImage = useRef<{ file: File; note: string | null } | null>(null);
  const checks = useRef(0);
  const keys = [...pinned, ...imported.keys];
  const log = useUpdateLog();

  useEffect(() => {
    void reloadKeys();
  }, []);

  async function reloadKeys() {
    const m = await import('../app/imported-keys.ts');
    const now = await m.loadImportedKeys().catch(() => ({ keys: [], unreadable: 0 }));
    setImported(now);
    // The verdict on screen always reflects the keys trusted now.
    const shown = lastImage.current;
    if (shown) await check(shown.file, [...pinned, ...now.keys], shown.note);
  }

  /** While an update runs: the screen stays on, the device stays connected. */
  function onRunning(now: boolean) {
    setUpdateRunning(now); // no app-version reload while an update runs
    setRunning(now);
    if (now) {
      void import('../app/wake-lock.ts').then(({ holdWakeLock }) => {
        wakeLock.current = holdWakeLock();
      });
    } else {
      void wakeLock.current?.release();
      wakeLock.current = null;
    }
  }

  /** After an update the card shows what the device holds now (or, unreachable, what it did). */
  async function refreshCard() {
    if (!device) return;
    const { refreshDevice } = await import('../app/device-link.ts');
    const fresh = await refreshDevice(device).catch(() => null);
    // Only if the user has not moved on to another device meanwhile.
    if (fresh) setDevice((now) => (now?.connector === device.connector ? fresh : now));
  }

  async function check(file: File, withKeys = keys, note: string | null = null) {
    lastImage.current = { file, note };
    const seq = ++checks.current;
    setChecking(file.name);
    setImageNote(note);
    try {
      const verdict = await checkImageFile(file, withKeys);
      if (seq === checks.current) setResult(verdict); // a later check wins, never an older one
    } finally {
      if (seq === checks.current) setChecking(null);
    }
  }

  return (
    <main class="page">
      <header class="brand">
        <h1>fieldflash</h1>
        <p>
          Update MCUboot firmware over Bluetooth or USB serial. Every image is checked in your
          browser before one byte is sent.
        </p>
      </header>
      <PlatformNotice report={platform} />
      <ConnectPanel
        device={device}
        onConnected={setDevice}
        locked={running}
        // An adapter that is off can be switched on: only a missing API disables the button.
        unavailable={
          platform?.missing.filter((m) => m.reason !== 'no-adapter').map((m) => m.link) ?? []
        }
      />
      <section class="card" aria-label="Image">
        <h2>2. Image</h2>
        <ImagePicker
          onFile={(f) => void check(f)}
          onSample={() => void fetchSample().then((f) => check(f))}
          busy={checking ?? (running ? 'an update is running' : null)}
        />
        <ReleasesPanel
          device={device}
          keys={keys}
          busy={running || checking !== null}
          onImage={(image, note) => {
            setResult(image);
            setImageNote(note);
            if ('bytes' in image)
              lastImage.current = { file: new File([image.bytes.slice()], image.fileName), note };
          }}
        />
        <div role="status" aria-live="polite" aria-label="Verification result">
          {checking && <p class="checking">Checking {checking}…</p>}
          {!checking && result && <VerdictCard result={result} />}
        </div>
      </section>
      <UpdatePanel
        device={device}
        image={result && 'verdict' in result ? result : null}
        keys={keys}
        onRunning={onRunning}
        onNext={() => setDevice(null)}
        onEnded={() => void refreshCard()}
        shift={log.view ? devicesThisShift(log.view.entries, Date.now(), browserStorage()) : 0}
        note={imageNote}
      />
      <ExpertPanel device={device} locked={running} />
      <LogPanel
        log={log.view}
        error={log.error}
        sync={log.sync}
        endpoint={log.endpoint}
        onEndpoint={log.setEndpoint}
      />
      <KeyList
        pinned={pinned}
        imported={imported.keys}
        unreadable={imported.unreadable}
        onImport={async (k) => {
          await (await import('../app/imported-keys.ts')).importKey(k);
          await reloadKeys();
        }}
        onRemove={async (k) => {
          await (await import('../app/imported-keys.ts')).removeImportedKey(k);
          await reloadKeys();
        }}
      />
      <AppUpdatePrompt />
    </main>
  );
}

/** The update log as the page shows it: read at start and after every new entry, kept synced. */
function useUpdateLog() {
  const [view, setView] = useState<LogView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sync, setSync] = useState<LogSyncState | null>(null);
  const [endpoint, setEndpointState] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let stop = () => {};
    let live = true;
    void import('../app/update-log.ts').then((m) => {
      if (!live) return;
      setEndpointState(m.syncEndpoint());
      const reload = () =>
        void m.readLog().then(
          (v) => {
            setView(v);
            setError(null);
          },
          (e: unknown) => setError((e as Error).message),
        );
      reload();
      const unsubscribe = m.onLogChanged(reload);
      const stopSync = m.keepLogSynced(setSync);
      stop = () => {
        unsubscribe();
        stopSync();
      };
    });
    return () => {
      live = false;
      stop();
    };
  }, [generation]);
  const setEndpoint = (url: string | null) =>
    void import('../app/update-log.ts').then((m) => {
      m.setSyncEndpoint(url);
      setSync(null);
      setGeneration((g) => g + 1); // restart syncing with the new address
    });
  return { view, error, sync, endpoint, setEndpoint };
}
