/**
 * Trusted firmware signing keys pinned into this build: THE place to configure
 * which keys fieldflash accepts (README "Trusted keys"). Each entry is a public
 * key in PEM (SubjectPublicKeyInfo, as `fieldflash getpub KEY.pem` prints).
 * Images are only shown as genuine, and only ever sent to a device, when
 * signed by one of these keys (or by a key the user added for the session).
 *
 * Replace the demo key with your own for a real deployment.
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
