/**
 * The field update log: every attempt on this phone, whether its hash chain
 * is intact, a filter, CSV and JSON export, and where syncing stands. The
 * log itself is app/update-log.ts; this renders it.
 * @module
 */
import { useState } from 'preact/hooks';
import type { LogSyncState, LogView } from '../app/update-log.ts';
import { filterEntries } from '../core/log/filter.ts';
import type { LogResult } from '../core/log/index.ts';

export interface LogPanelProps {
  readonly log: LogView | null;
  readonly error: string | null;
  readonly sync: LogSyncState | null;
  readonly endpoint: string | null;
  readonly onEndpoint: (url: string | null) => void;
}

const RESULTS: readonly (LogResult | '')[] = [
  '',
  'updated',
  'failed',
  'cancelled',
  'testing',
  'already',
];

const loadLog = () => import('../app/update-log.ts');

async function exportAs(format: 'csv' | 'json') {
  const m = await loadLog();
  const { name, text } = await m.exportLog(format);
  m.saveFile(name, text, format === 'csv' ? 'text/csv' : 'application/json');
}

function chainText(log: LogView): { text: string; bad: boolean } {
  const c = log.check;
  if (c.ok) return { text: `${c.count} entries; the chain is intact.`, bad: false };
  return {
    text: `The log was altered: entry #${c.seq} is ${c.problem} (${c.detail}). Export it and tell your firmware team.`,
    bad: true,
  };
}

function syncText(sync: LogSyncState | null, endpoint: string | null): string {
  if (!endpoint) return 'Not synced: no sync address is configured. Export the log instead.';
  if (!sync) return `Syncing to ${endpoint}…`;
  const counts = `${sync.synced} sent, ${sync.pending} waiting`;
  switch (sync.phase) {
    case 'waiting':
      return `${counts}; retrying in ${Math.ceil((sync.retryInMs ?? 0) / 1000)} s (${sync.error ?? 'no answer'}).`;
    case 'rejected':
      return `${counts}; the server refused: ${sync.error ?? ''}. Nothing is lost.`;
    case 'done':
    case 'idle':
      return `${counts}; up to date with ${endpoint}.`;
    case 'sending':
      return `${counts}; sending to ${endpoint}…`;
  }
}

export function LogPanel({ log, error, sync, endpoint, onEndpoint }: LogPanelProps) {
  const [text, setText] = useState('');
  const [result, setResult] = useState<LogResult | ''>('');
  const [address, setAddress] = useState(endpoint ?? '');
  const shown = log
    ? filterEntries(log.entries, { ...(text ? { text } : {}), ...(result ? { result } : {}) })
    : [];
  const chain = log ? chainText(log) : null;
  return (
    <section class="card" aria-label="Update log">
      <h2>Update log</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {chain && (
        <p class={chain.bad ? 'error' : 'muted'} role={chain.bad ? 'alert' : undefined}>
          {chain.text}
        </p>
      )}
      <div class="log-tools">
        <input
          type="search"
          aria-label="Filter the log"
          placeholder="device, version, error…"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <select
          aria-label="Result"
          value={result}
          onChange={(e) => setResult(e.currentTarget.value as LogResult | '')}
        >
          {RESULTS.map((r) => (
            <option value={r}>{r || 'any result'}</option>
          ))}
        </select>
        <button type="button" class="button secondary" onClick={() => void exportAs('csv')}>
          Export CSV
        </button>
        <button type="button" class="button secondary" onClick={() => void exportAs('json')}>
          Export JSON
        </button>
      </div>
      <div class="table-wrap">
        <table aria-label="Update attempts">
          <thead>
            <tr>
              <th>When</th>
              <th>Device</th>
              <th>Version</th>
              <th>Result</th>
              <th>Sent</th>
            </tr>
          </thead>
          <tbody>
            {shown
              .slice(-200)
              .reverse()
              .map((e) => (
                <tr key={e.id}>
                  <td>{new Date(e.time).toLocaleString()}</td>
                  <td>
                    {e.deviceName}
                    {e.board ? ` (${e.board})` : ''}
                  </td>
                  <td>
                    {e.fromVersion ?? '?'} → {e.toVersion}
                  </td>
                  <td>
                    {e.result}
                    {e.errorCode ? `: ${e.errorCode}` : ''}
                    {e.resumes ? ` · ${e.resumes} resume${e.resumes > 1 ? 's' : ''}` : ''}
                    {e.note ? ` · ${e.note}` : ''}
                  </td>
                  <td>
                    {(e.bytes / 1000).toFixed(1)} kB in {(e.durationMs / 1000).toFixed(1)} s
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      <p class="muted" role="status" aria-label="Log sync">
        {syncText(sync, endpoint)}
      </p>
      <details>
        <summary>Sync address</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onEndpoint(address.trim() || null);
          }}
        >
          <input
            type="url"
            aria-label="Sync address"
            placeholder="https://…"
            value={address}
            onInput={(e) => setAddress(e.currentTarget.value)}
          />{' '}
          <button type="submit" class="button secondary">
            Save
          </button>
        </form>
      </details>
    </section>
  );
}
