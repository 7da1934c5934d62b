/**
 * What a connected device reports: name, link, bootloader, buffers and each
 * slot's version, state and hash.
 * @module
 */
import type { DeviceSummary } from '../app/device-link.ts';
import { bytesToHex } from '../core/bytes.ts';

const hex = (b: Uint8Array | undefined) => (b ? bytesToHex(b.subarray(0, 8)) + '…' : '—');

export function DeviceCard({ summary }: { readonly summary: DeviceSummary }) {
  return (
    <dl class="facts">
      <dt>Device</dt>
      <dd>
        {summary.name} ({summary.via})
      </dd>
      {summary.board && (
        <>
          <dt>Board</dt>
          <dd>{summary.board}</dd>
        </>
      )}
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
          <dt>{(s.image ?? 0) > 0 ? `Image ${s.image} slot ${s.slot}` : `Slot ${s.slot}`}</dt>
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
  );
}
