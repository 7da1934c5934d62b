/**
 * The keys images are checked against: those pinned in this build, and public
 * keys the user adds for this session only.
 * @module
 */
import { useState } from 'preact/hooks';
import { readKeyFile } from '../app/image-check.ts';
import type { TrustedKey } from '../core/keys/index.ts';

export interface KeyListProps {
  readonly pinned: readonly TrustedKey[];
  readonly session: readonly TrustedKey[];
  readonly onAdd: (key: TrustedKey) => void;
  readonly onRemove: (key: TrustedKey) => void;
}

const TYPE_LABEL = {
  ed25519: 'Ed25519',
  'ecdsa-p256': 'ECDSA P-256',
  'rsa-2048': 'RSA-2048',
  'rsa-3072': 'RSA-3072',
};

export function KeyList({ pinned, session, onAdd, onRemove }: KeyListProps) {
  const [error, setError] = useState<string | null>(null);
  return (
    <section class="keys" aria-labelledby="keys-heading">
      <h2 id="keys-heading">Trusted signing keys</h2>
      <ul>
        {pinned.map((k) => (
          <li key={k.fingerprint}>
            <strong>{k.name}</strong> · {TYPE_LABEL[k.type]} · <span class="mono">{k.keyId}</span>{' '}
            <span class="muted">(pinned in this build)</span>
          </li>
        ))}
        {session.map((k) => (
          <li key={k.fingerprint}>
            <strong>{k.name}</strong> · {TYPE_LABEL[k.type]} · <span class="mono">{k.keyId}</span>{' '}
            <span class="muted">(this session)</span>{' '}
            <button
              type="button"
              class="link"
              onClick={() => onRemove(k)}
              aria-label={`Remove key ${k.name}`}
            >
              remove
            </button>
          </li>
        ))}
      </ul>
      <label class="button secondary">
        Add a public key for this session
        <input
          type="file"
          accept=".pem,.der,.pub,.key"
          onChange={(e) => {
            const input = e.currentTarget;
            const file = input.files?.[0];
            input.value = '';
            if (!file) return;
            readKeyFile(file).then(
              (k) => {
                setError(null);
                onAdd(k);
              },
              (err: unknown) => setError(`${file.name}: ${(err as Error).message}`),
            );
          }}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
