/**
 * Step 3: update the connected device with the verified image — one button,
 * then phase, %, bytes, kB/s, time left and a live chart, with cancel; a
 * "Resume update" banner when an earlier update on this device stopped; the
 * result; and "Update next device" for a row of devices. Renders the engine's
 * events only.
 * @module
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConnectedDevice } from '../app/device-link.ts';
import { explainFailure } from '../app/explain.ts';
import type { CheckedImage } from '../app/image-check.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import type { UpdateCheckpoint, UpdateEvent, UpdateOutcome } from '../core/update/index.ts';
import { ThroughputChart } from './ThroughputChart.tsx';

type Progress = Extract<UpdateEvent, { type: 'progress' }>;
type Ended =
  | { readonly ok: true; readonly outcome: UpdateOutcome; readonly version: string }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface UpdatePanelProps {
  readonly device: ConnectedDevice | null;
  readonly image: CheckedImage | null;
  readonly keys: readonly TrustedKey[];
  /** Told when an update starts and ends (wake lock, app-update guard). */
  readonly onRunning: (running: boolean) => void;
  /** "Update next device": back to Connect, keeping the image. */
  readonly onNext: () => void;
  /** An update ended (either way): the device card should be read again. */
  readonly onEnded: () => void;
  /** Successful updates today (from the update log). */
  readonly shift: number;
  /** Recorded with the attempt in the update log (e.g. an expired feed used anyway). */
  readonly note: string | null;
}

const PHASES: Record<string, string> = {
  preflight: 'Checking the device',
  upload: 'Uploading',
  'check-slot': 'Checking the upload',
  mark: 'Marking the new image',
  reset: 'Restarting the device',
  reconnect: 'Reconnecting',
  confirm: 'Confirming the new image',
};

const kb = (n: number) => (n / 1000).toFixed(1);

export function UpdatePanel(props: UpdatePanelProps) {
  const { device, image, keys, onRunning, onNext, onEnded, shift, note } = props;
  const [running, setRunning] = useState(false);
  const [phase, setPhase] = useState<{ phase: string; detail: string } | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [samples, setSamples] = useState<number[]>([]);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [ended, setEnded] = useState<Ended | null>(null);
  const [saved, setSaved] = useState<UpdateCheckpoint | null>(null);
  const [logError, setLogError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const lastSample = useRef(0);

  const verdict = image?.verdict.ok ? image.verdict : null;
  useEffect(() => {
    setEnded(null);
    setSaved(null);
    if (!device) return;
    let live = true;
    void import('../app/update-run.ts')
      .then((m) => m.savedCheckpoint(device))
      .then((c) => live && setSaved(c));
    return () => {
      live = false;
    };
    // The same device read again (a refreshed card) keeps its result on screen.
  }, [device?.connector]);

  if (!device || !image) {
    return (
      <section class="card" aria-label="Update">
        <h2>3. Update</h2>
        <p class="muted">Connect a device and open a genuine image first.</p>
      </section>
    );
  }

  async function start() {
    if (!device || !image) return;
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    onRunning(true);
    setEnded(null);
    setWarnings([]);
    setProgress(null);
    setSamples([]);
    const onEvent = (e: UpdateEvent) => {
      if (e.type === 'phase') setPhase({ phase: e.phase, detail: e.detail });
      else if (e.type === 'warning') setWarnings((w) => [...w, e.message]);
      else if (e.type === 'progress') {
        setProgress(e);
        const now = Date.now();
        if (now - lastSample.current > 250) {
          lastSample.current = now;
          setSamples((s) => [...s.slice(-59), e.rate / 1000]);
        }
      }
    };
    try {
      const { updateDevice } = await import('../app/update-run.ts');
      setLogError(null);
      const outcome = await updateDevice(device, image.bytes, keys, {
        image: {
          version: verdict?.versionText ?? '',
          imageHash: verdict?.imageHash ?? '',
        },
        note,
        onLogError: (e) => setLogError((e as Error).message),
        signal: controller.signal,
        onEvent,
      });
      const version = verdict?.versionText ?? '';
      setEnded({ ok: true, outcome, version });
      setSaved(null);
    } catch (e) {
      const error = e as { code?: string; message?: string };
      setEnded({ ok: false, code: error.code ?? 'internal', message: error.message ?? String(e) });
      const { savedCheckpoint } = await import('../app/update-run.ts');
      setSaved(await savedCheckpoint(device));
    } finally {
      abort.current = null;
      setRunning(false);
      onRunning(false);
      onEnded();
    }
  }

  const pct = progress ? Math.floor((100 * progress.bytes) / progress.total) : 0;
  const sameImage =
    saved !== null && verdict !== null && saved.imageHash === (verdict.sha256 ?? verdict.imageHash);
  const link = device.choice.kind === 'demo' ? 'demo' : device.choice.kind;
  const failed =
    ended && !ended.ok
      ? explainFailure(ended.code, {
          percent: saved ? Math.floor((100 * saved.acked) / saved.size) : null,
          link,
        })
      : null;

  return (
    <section class="card" aria-label="Update">
      <h2>3. Update</h2>
      {!running && saved && (
        <div class="banner" role="region" aria-label="Interrupted update">
          <p>
            An update to {saved.version} stopped{' '}
            {saved.phase === 'upload'
              ? `at ${Math.floor((100 * saved.acked) / saved.size)} % of the upload`
              : 'after the upload'}{' '}
            on this device.{' '}
            {sameImage ? '' : 'Open the same image to resume it, or update with this one instead.'}
          </p>
          {sameImage && (
            <button type="button" class="button" onClick={() => void start()}>
              Resume update
            </button>
          )}
        </div>
      )}
      {!running && verdict && !(saved && sameImage) && !ended?.ok && (
        <button type="button" class="button" onClick={() => void start()}>
          Update to {verdict.versionText}
        </button>
      )}
      {!verdict && <p class="error">This image is not genuine: it cannot be sent.</p>}
      {running && (
        <button type="button" class="button secondary" onClick={() => abort.current?.abort()}>
          Cancel update
        </button>
      )}
      <div role="status" aria-live="polite" aria-label="Update status">
        {running && phase && (
          <p>
            <strong>{PHASES[phase.phase] ?? phase.phase}</strong> — {phase.detail}
          </p>
        )}
        {progress && (running || ended) && (
          <>
            <progress
              aria-label="Upload progress"
              max={progress.total}
              value={progress.bytes}
            >{`${pct} %`}</progress>
            <p class="mono">
              {pct} % · {progress.bytes} / {progress.total} bytes · {kb(progress.rate)} kB/s
              {progress.eta !== null && running ? ` · ${Math.ceil(progress.eta)} s left` : ''}
            </p>
            <ThroughputChart samples={samples} />
          </>
        )}
        {warnings.map((w) => (
          <p class="muted">{w}</p>
        ))}
        {ended?.ok && (
          <div class="verdict good">
            <p>
              <strong>
                {ended.outcome === 'updated'
                  ? `Updated: the device runs ${ended.version}, confirmed.`
                  : ended.outcome === 'testing'
                    ? `The device runs ${ended.version} on test.`
                    : `Nothing to do: the device already runs ${ended.version}.`}
              </strong>
            </p>
          </div>
        )}
        {failed && ended && !ended.ok && (
          <div class="verdict bad">
            <p>
              <strong>{failed.title}</strong> {failed.next}
            </p>
            <p class="muted">
              {ended.message} ({ended.code})
            </p>
          </div>
        )}
      </div>
      {logError && (
        <p class="error" role="alert">
          Not recorded in the update log: {logError}
        </p>
      )}
      {ended && !running && (
        <button type="button" class="button secondary" onClick={onNext}>
          Update next device
        </button>
      )}
      <p class="muted" aria-label="Devices updated this shift">
        Devices updated this shift: {shift}
      </p>
    </section>
  );
}
