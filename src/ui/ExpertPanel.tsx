/**
 * Expert panel: single SMP requests to the connected device (raw image list,
 * echo, test, confirm, reset, erase) with their answers, for people who know
 * what each does. Folded away by default.
 * @module
 */
import { useState } from 'preact/hooks';
import type { ConnectedDevice } from '../app/device-link.ts';
import type { ExpertAction } from '../app/expert.ts';

const ACTIONS: readonly [ExpertAction, string][] = [
  ['list', 'Read the image list'],
  ['echo', 'Echo'],
  ['test', 'Mark the update slot for test'],
  ['confirm', 'Confirm the running image'],
  ['reset', 'Reset the device'],
  ['erase', 'Erase the update slot'],
];

export function ExpertPanel(props: {
  readonly device: ConnectedDevice | null;
  readonly locked: boolean;
}) {
  const [out, setOut] = useState('');
  const [busy, setBusy] = useState(false);
  const { device, locked } = props;
  async function run(action: ExpertAction) {
    if (!device) return;
    setBusy(true);
    try {
      const { expertRequest } = await import('../app/expert.ts');
      setOut(await expertRequest(device, action));
    } catch (e) {
      setOut(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <details class="card">
      <summary>Expert</summary>
      <div class="row" role="group" aria-label="Expert requests">
        {ACTIONS.map(([action, name]) => (
          <button
            type="button"
            class="button secondary"
            disabled={!device || locked || busy}
            onClick={() => void run(action)}
          >
            {name}
          </button>
        ))}
      </div>
      <pre class="mono" role="log" aria-label="Expert answers">
        {device ? out : 'Connect a device first.'}
      </pre>
    </details>
  );
}
