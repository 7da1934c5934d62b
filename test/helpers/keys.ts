import { generateKeyPairSync } from 'node:crypto';
import {
  parsePrivateKey,
  trustKey,
  type KeyType,
  type PrivateKey,
  type TrustedKey,
} from '../../src/core/keys/index.ts';

export interface TestKey {
  readonly type: KeyType;
  readonly pem: string;
  readonly publicPem: string;
  readonly private: PrivateKey;
  readonly trusted: TrustedKey;
}

const cache = new Map<KeyType, TestKey>();

/** A fresh key of each type per test process (RSA generation is slow, so cached). */
export function testKey(type: KeyType): TestKey {
  let key = cache.get(type);
  if (key) return key;
  const pair =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : type === 'ecdsa-p256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: type === 'rsa-2048' ? 2048 : 3072 });
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const priv = parsePrivateKey(pem);
  key = { type, pem, publicPem, private: priv, trusted: trustKey(priv.publicKey, `test-${type}`) };
  cache.set(type, key);
  return key;
}
