/**
 * Step 1: connect to a device — over Bluetooth, USB serial (with its baud
 * rate), or the built-in demo device — and see what it reports. The
 * transports and client load only when a connection is asked for.
 * @module
 */
import { useState } from 'preact/hooks';
import type { ConnectedDevice, LinkChoice } from '../app/device-link.ts';
import { DeviceCard } from './DeviceCard.tsx';

const BAUDS = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000];

export interface ConnectPanelProps {
  readonly device: ConnectedDevice | null;
  readonly onConnected: (device: ConnectedDevice | null) => void;
  /** While an update runs the device stays as it is. */
  readonly locked: boolean;
  /** Links this browser cannot offer at all; the notice above says why and what instead. */
  readonly unavailable: readonly string[];
}

export function ConnectPanel({ device, onConnected, locked, unavailable }: ConnectPanelProps) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [baud, setBaud] = useState(115200);

  async function connect(choice: LinkChoice, label: string) {
    setBusy(label);
    setError(null);
    try {
      const { connectFromPage, PickerCancelledError } = await import('../app/device-link.ts');
      try {
        onConnected(await connectFromPage(choice));
      } catch (e) {
        if (!(e instanceof PickerCancelledError)) throw e;
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  }

  const off = busy !== null || locked;
  const lacks = (link: string) => unavailable.includes(link);
  return (
    <section class="card" aria-label="Connect">
      <h2>1. Connect</h2>
      <div class="row">
        <button
          type="button"
          class="button"
          disabled={off || lacks('bluetooth')}
          onClick={() => void connect({ kind: 'bluetooth' }, 'Bluetooth')}
        >
          Connect over Bluetooth
        </button>
        <span class="group">
          <button
            type="button"
            class="button"
            disabled={off || lacks('serial')}
            onClick={() => void connect({ kind: 'serial', baudRate: baud }, 'USB serial')}
          >
            Connect over USB serial
          </button>
          <label>
            {' '}
            at{' '}
            <select
              aria-label="Baud rate"
              value={baud}
              disabled={off}
              onChange={(e) => setBaud(Number((e.target as HTMLSelectElement).value))}
            >
              {BAUDS.map((b) => (
                <option value={b}>{b}</option>
              ))}
            </select>{' '}
            baud
          </label>
        </span>
      </div>
      <p class="muted">No hardware? A simulated Zephyr + MCUboot device runs in this page:</p>
      <div class="row">
        <button
          type="button"
          class="button secondary"
          disabled={off}
          onClick={() => void connect({ kind: 'demo', link: 'bluetooth' }, 'demo (Bluetooth)')}
        >
          Connect to the demo device over Bluetooth
        </button>
        <button
          type="button"
          class="button secondary"
          disabled={off}
          onClick={() => void connect({ kind: 'demo', link: 'serial' }, 'demo (serial)')}
        >
          Connect to the demo device over serial
        </button>
      </div>
      <div role="status" aria-live="polite" aria-label="Device status">
        {busy && <p>Connecting ({busy})…</p>}
        {error && <p class="error">{error}</p>}
        {!busy && device && <DeviceCard summary={device.summary} />}
      </div>
    </section>
  );
}
