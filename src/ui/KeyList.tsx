/**
 * The keys images are checked against: those pinned in this build, and
 * public keys the user imported — each shown with name, type and
 * fingerprint. An import is stored only after the user confirmed the key
 * (shown in full first); imported keys can be removed.
 * @module
 */
import { useState } from 'preact/hooks';
import { readKeyFile } from '../app/image-check.ts';
import type { TrustedKey } from '../core/keys/index.ts';

export interface KeyListProps {
  readonly pinned: readonly TrustedKey[];
  readonly imported: readonly TrustedKey[];
  /** Stored records that could not be read back. */
  readonly unreadable: number;
  /** The user confirmed this key: store and trust it. */
  readonly onImport: (key: TrustedKey) => Promise<void>;
  readonly onRemove: (key: TrustedKey) => Promise<void>;
}

const TYPE_LABEL = {
  ed25519: 'Ed25519',
  'ecdsa-p256': 'ECDSA P-256',
  'rsa-2048': 'RSA-2048',
  'rsa-3072': 'RSA-3072',
};

const grouped = (hex: string) => hex.match(/.{1,8}/g)?.join(' ') ?? hex;

export function KeyList({ pinned, imported, unreadable, onImport, onRemove }: KeyListProps) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<TrustedKey | null>(null);
  const fail = (e: unknown) => setError((e as Error).message);
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
        {imported.map((k) => (
          <li key={k.fingerprint}>
            <strong>{k.name}</strong> · {TYPE_LABEL[k.type]} · <span class="mono">{k.keyId}</span>{' '}
            <span class="muted">(imported on this phone)</span>{' '}
            <button
              type="button"
              class="link"
              onClick={() => void onRemove(k).catch(fail)}
              aria-label={`Remove key ${k.name}`}
            >
              remove
            </button>
          </li>
        ))}
      </ul>
      {unreadable > 0 && (
        <p class="error">
          {unreadable} stored key{unreadable > 1 ? 's' : ''} could not be read back and{' '}
          {unreadable > 1 ? 'are' : 'is'} not trusted; import again if needed.
        </p>
      )}
      {pending ? (
        <div class="banner" role="region" aria-label="Confirm key">
          <p>
            Trust <strong>{pending.name}</strong> ({TYPE_LABEL[pending.type]}) to sign firmware on
            this phone? Compare the fingerprint with the one your firmware team gave you:
          </p>
          <p class="mono">SHA256:{grouped(pending.fingerprint)}</p>
          <button
            type="button"
            class="button"
            onClick={() => {
              const key = pending;
              setPending(null);
              void onImport(key).catch(fail);
            }}
          >
            Trust this key
          </button>{' '}
          <button type="button" class="button secondary" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      ) : (
        <label class="button secondary">
          Import a public key
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
                  setPending(k);
                },
                (err: unknown) => setError(`${file.name}: ${(err as Error).message}`),
              );
            }}
          />
        </label>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
