/**
 * THE build configuration of fieldflash (README "Configuration"): which keys
 * it trusts and where it looks for releases and sends its log. Replace the
 * demo entries with your own for a real deployment and rebuild.
 *
 * - PINNED_KEYS: firmware signing keys. Images are only shown as genuine, and
 *   only ever sent to a device, when signed by one of these (or by a public key
 *   the user imported after confirming it).
 * - FEED_KEYS: Ed25519 keys that sign the release feed (`fieldflash feed sign`).
 *   A feed signed by anything else is refused.
 * - FEED_URL: the release feed the app offers to check (the user can change it).
 * - LOG_SYNC_ENDPOINT: where the update log is POSTed when online (https, see
 *   README "Update log"), or null to keep it on the phone only.
 *
 * Keys are public keys in PEM (SubjectPublicKeyInfo, as `fieldflash getpub KEY.pem` prints).
 */
export interface PinnedKeyConfig {
  /** Shown on the verification card as "signed by …". */
  readonly name: string;
  readonly pem: string;
}

export const PINNED_KEYS: readonly PinnedKeyConfig[] = [
  {
    // Signs public/samples/*; its private half is public (src/app/demo/README.md).
    name: 'fieldflash demo key',
    pem: `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAH+L6kqc3n3H96ut/5Zsab/nElld7K0GmpYHZ5g0wVlk=
-----END PUBLIC KEY-----`,
  },
];

export const FEED_KEYS: readonly PinnedKeyConfig[] = [
  {
    // Signs public/feed/demo-feed.json; its private half is public (src/app/demo/README.md).
    name: 'fieldflash demo feed key',
    pem: `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAnojFac2E81fLlYyuDvF5Pr1ZtDXmYuGAI+p9uHuXuyA=
-----END PUBLIC KEY-----`,
  },
];

/** Relative to the app (the demo feed beside it), or an absolute https:// URL. */
export const FEED_URL = 'feed/demo-feed.json';

export const LOG_SYNC_ENDPOINT: string | null = null;
