/**
 * The built-in demo device: connect to it over its simulated Bluetooth or
 * serial link and see what a real device would report (the full update flow
 * arrives with the engine).
 * @module
 */
import { useState } from 'preact/hooks';
import { bytesToHex } from '../core/bytes.ts';
import type { DemoLink, DeviceSummary } from '../app/demo-device.ts';

const hex = (b: Uint8Array | undefined) => (b ? bytesToHex(b.subarray(0, 8)) + '…' : '—');

export function DemoDevicePanel() {
  const [busy, setBusy] = useState<DemoLink | null>(null);
  const [summary, setSummary] = useState<DeviceSummary | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function connect(link: DemoLink) {
    setBusy(link);
    setError(null);
    try {
      // Loaded on demand: the simulator, client and transports stay out of the first load.
      const { connectDemo } = await import('../app/demo-device.ts');
      const { client, summary: s } = await connectDemo(link);
      setSummary(s);
      await client.close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="card" aria-label="Demo device">
      <h2>Demo device</h2>
      <p class="muted">
        A simulated Zephyr + MCUboot device in this page, for trying fieldflash without hardware.
      </p>
      <button
        type="button"
        class="button"
        disabled={busy !== null}
        onClick={() => void connect('bluetooth')}
      >
        Connect to the demo device over Bluetooth
      </button>{' '}
      <button
        type="button"
        class="button secondary"
        disabled={busy !== null}
        onClick={() => void connect('serial')}
      >
        Connect to the demo device over serial
      </button>
      <div role="status" aria-live="polite" aria-label="Demo device status">
        {busy && <p>Connecting over {busy}…</p>}
        {error && <p class="error">{error}</p>}
        {!busy && summary && (
          <dl class="facts">
            <dt>Device</dt>
            <dd>
              {summary.name} ({summary.link})
            </dd>
            <dt>Bootloader</dt>
            <dd>{summary.bootloader ?? 'unknown'}</dd>
            <dt>Buffer</dt>
            <dd>
              {summary.info.params
                ? `${summary.info.params.bufSize} bytes × ${summary.info.params.bufCount}`
                : 'not reported'}
              , frames up to {summary.info.maxFrame} bytes
            </dd>
            {summary.slots.map((s) => (
              <>
                <dt>Slot {s.slot}</dt>
                <dd>
                  {s.version} ·{' '}
                  {[s.active && 'active', s.confirmed && 'confirmed', s.pending && 'pending']
                    .filter(Boolean)
                    .join(', ') || 'stored'}{' '}
                  · <span class="mono">{hex(s.hash)}</span>
                </dd>
              </>
            ))}
          </dl>
        )}
      </div>
    </section>
  );
}
