/** Feeds and keys for the feed tests. */
import { generateKeyPairSync } from 'node:crypto';
import { utf8ToBytes } from '../../../src/core/bytes.ts';
import { signFeed, type Ed25519PrivateKey } from '../../../src/core/feed/index.ts';
import { parsePrivateKey, trustKey, type TrustedKey } from '../../../src/core/keys/index.ts';
import { testKey } from '../../helpers/keys.ts';

export const HASH_A = 'a'.repeat(64);
export const HASH_B = 'b'.repeat(64);

/** 2025-06-01T00:00:00Z */
export const ISSUED = Date.UTC(2025, 5, 1);
export const DAY = 86_400_000;

export function release(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    product: 'sensor',
    match: { board: 'nrf52840dk' },
    version: '1.0.0+0',
    file: 'fw/sensor-1.0.0.bin',
    size: 1234,
    sha256: HASH_A,
    imageHash: HASH_B,
    notes: 'First release.\nFixes nothing.',
    channel: 'stable',
    ...overrides,
  };
}

export function feedDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: 1,
    sequence: 5,
    issued: '2025-06-01T00:00:00Z',
    expires: '2025-07-01T00:00:00Z',
    releases: [release()],
    ...overrides,
  };
}

export function bytes(value: unknown): Uint8Array {
  return utf8ToBytes(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

export function feedKey(): Ed25519PrivateKey {
  const key = testKey('ed25519').private;
  if (key.type !== 'ed25519') throw new Error('unreachable');
  return key;
}

/** A second Ed25519 key, not trusted by the tests. */
export function otherKey(): { key: Ed25519PrivateKey; trusted: TrustedKey } {
  const pem = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const key = parsePrivateKey(pem);
  if (key.type !== 'ed25519') throw new Error('unreachable');
  return { key, trusted: trustKey(key.publicKey, 'other') };
}

/** The feed's JSON bytes and its `.sig` file bytes. */
export function signed(doc: unknown = feedDoc()): { json: Uint8Array; sig: Uint8Array } {
  const json = bytes(doc);
  return { json, sig: utf8ToBytes(signFeed(json, feedKey())) };
}
