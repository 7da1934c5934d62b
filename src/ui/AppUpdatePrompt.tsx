/**
 * Tells when the app works offline, and offers a new app version: "Reload to
 * update" or "Later". Nothing shows while a firmware update runs in this page,
 * and the reload is refused while one runs in another tab (app/pwa.ts).
 * Mounting it registers the service worker.
 * @module
 */
import { useEffect, useState } from 'preact/hooks';
import { pwa, type PwaState } from '../app/pwa.ts';
import './AppUpdatePrompt.css';

export function AppUpdatePrompt() {
  const [state, setState] = useState<PwaState>(() => pwa.state());
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    const unsubscribe = pwa.subscribe(setState);
    pwa.register();
    return unsubscribe;
  }, []);

  const apply = async () => setRefused((await pwa.applyUpdate()) === 'update-running');
  const later = () => {
    setRefused(false);
    pwa.dismiss();
  };

  // The live region stays in the page so that screen readers announce what appears in it.
  return (
    <div class="app-update-region" role="status" aria-live="polite" aria-label="App update">
      {!state.updateRunning && state.needRefresh && (
        <div class="app-update">
          <p>
            A new version of fieldflash is ready.
            {refused && ' A firmware update is running in another tab: finish it first.'}
          </p>
          <button type="button" class="button" onClick={() => void apply()}>
            Reload to update
          </button>{' '}
          <button type="button" class="button secondary" onClick={later}>
            Later
          </button>
        </div>
      )}
      {!state.updateRunning && !state.needRefresh && state.offlineReady && (
        <div class="app-update">
          <p>fieldflash is saved on this device and now works offline.</p>
          <button type="button" class="button secondary" onClick={later}>
            OK
          </button>
        </div>
      )}
    </div>
  );
}
