/**
 * Key loading: every container and encoding normalises to the bytes MCUboot
 * embeds; unusable keys fail with a KeyFormatError saying why.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync as gen,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodePem,
  KeyFormatError,
  parsePrivateKey,
  parsePublicKey,
  trustKey,
} from '../../../src/core/keys/index.ts';
import { testKey } from '../../helpers/keys.ts';
import { hasMcubootVectors, MCUBOOT_DIR } from '../../helpers/shared.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const sha256hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('parsePublicKey / parsePrivateKey', () => {
  it.each(['ed25519', 'ecdsa-p256', 'rsa-2048', 'rsa-3072'] as const)(
    '%s: every form gives the same embedded bytes',
    (type) => {
      const k = testKey(type);
      const forms: (string | Uint8Array)[] = [k.pem, k.publicPem, enc(k.pem), enc(k.publicPem)];
      const privateObj = createPrivateKey(k.pem);
      const publicObj = createPublicKey(k.publicPem);
      forms.push(new Uint8Array(privateObj.export({ type: 'pkcs8', format: 'der' })));
      forms.push(new Uint8Array(publicObj.export({ type: 'spki', format: 'der' })));
      if (type === 'ecdsa-p256') {
        forms.push(privateObj.export({ type: 'sec1', format: 'pem' }).toString());
        forms.push(new Uint8Array(privateObj.export({ type: 'sec1', format: 'der' })));
        forms.push(k.private.publicKey.raw); // 65-byte uncompressed point
      }
      if (type.startsWith('rsa')) {
        forms.push(privateObj.export({ type: 'pkcs1', format: 'pem' }).toString());
        forms.push(publicObj.export({ type: 'pkcs1', format: 'pem' }).toString());
        forms.push(new Uint8Array(publicObj.export({ type: 'pkcs1', format: 'der' })));
      }
      if (type === 'ed25519') forms.push(k.private.publicKey.raw);
      // What MCUboot embeds: SPKI DER, except RSA where it is PKCS#1 RSAPublicKey DER.
      const expected = new Uint8Array(
        publicObj.export(
          type.startsWith('rsa')
            ? { type: 'pkcs1', format: 'der' }
            : { type: 'spki', format: 'der' },
        ),
      );
      for (const form of forms) {
        const key = parsePublicKey(form);
        expect(key.type).toBe(type);
        expect(key.embedded).toEqual(expected);
        expect(key.spki).toEqual(new Uint8Array(publicObj.export({ type: 'spki', format: 'der' })));
      }
      expect(parsePrivateKey(k.pem).publicKey.embedded).toEqual(expected);
      expect(encodePem('PUBLIC KEY', parsePublicKey(k.pem).spki)).toBe(k.publicPem);
    },
  );

  it('accepts a compressed P-256 point and an "EC PARAMETERS" block before the key', () => {
    const k = testKey('ecdsa-p256');
    const raw = k.private.publicKey.raw;
    const compressed = Uint8Array.of(2 + ((raw[64] ?? 0) & 1), ...raw.subarray(1, 33));
    expect(parsePublicKey(compressed).raw).toEqual(raw);
    const sec1 = createPrivateKey(k.pem).export({ type: 'sec1', format: 'pem' }).toString();
    const withParams = `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${sec1}`;
    expect(parsePrivateKey(withParams).publicKey.embedded).toEqual(k.private.publicKey.embedded);
  });

  it('fingerprint and key id are the SHA-256 of the embedded bytes (the KEYHASH value)', () => {
    const k = testKey('rsa-2048');
    const t = trustKey(k.private.publicKey, 'x');
    expect(t.fingerprint).toBe(sha256hex(k.private.publicKey.embedded));
    expect(t.keyId).toBe(t.fingerprint.slice(0, 8));
    expect(Buffer.from(t.keyHashes.sha512).toString('hex')).toBe(
      createHash('sha512').update(k.private.publicKey.embedded).digest('hex'),
    );
  });

  describe.skipIf(!hasMcubootVectors)(
    "MCUboot's test keys (../shared/vectors/mcuboot/keys.json)",
    () => {
      const keys = hasMcubootVectors
        ? (JSON.parse(readFileSync(join(MCUBOOT_DIR, 'keys.json'), 'utf8')) as {
            name: string;
            type: string;
            private_pem: string;
            public_pem: string;
            embedded_key: string;
            keyhash_sha256_hex: string;
            keyhash_sha512_hex: string;
          }[])
        : [];
      it.each(keys.map((k) => [k.name, k] as const))('%s', (_n, k) => {
        const file = (rel: string) => new Uint8Array(readFileSync(join(MCUBOOT_DIR, rel)));
        for (const form of [file(k.private_pem), file(k.public_pem), file(k.embedded_key)]) {
          const t = trustKey(parsePublicKey(form), k.name);
          expect(t.type).toBe(k.type === 'ec-p256' ? 'ecdsa-p256' : k.type);
          expect(t.embedded).toEqual(file(k.embedded_key));
          expect(t.fingerprint).toBe(k.keyhash_sha256_hex);
          expect(Buffer.from(t.keyHashes.sha512).toString('hex')).toBe(k.keyhash_sha512_hex);
        }
      });
    },
  );
});

describe('unusable keys', () => {
  const problem = (
    input: string | Uint8Array,
    load: (i: string | Uint8Array) => unknown = parsePublicKey,
  ) => {
    try {
      load(input);
    } catch (e) {
      expect(e).toBeInstanceOf(KeyFormatError);
      return { problem: (e as KeyFormatError).problem, message: (e as Error).message };
    }
    throw new Error('expected a KeyFormatError');
  };

  it('a password-protected key says so and how to fix it', () => {
    const pem = gen('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    expect(problem(pem).problem).toBe('encrypted');
    expect(problem(pem).message).toMatch(/password/);
    const legacy = gen('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    expect(problem(legacy).problem).toBe('encrypted');
  });

  it('unsupported algorithms and sizes are named', () => {
    const x25519 = gen('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(problem(x25519).problem).toBe('unsupported');
    expect(problem(x25519).message).toMatch(/X25519/);
    const p384 = gen('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(problem(p384).problem).toBe('unsupported');
    expect(problem(p384).message).toMatch(/P-384/);
    const rsa1024 = gen('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(problem(rsa1024).problem).toBe('unsupported');
    expect(problem(rsa1024).message).toMatch(/RSA-1024/);
  });

  it('garbage, truncated DER, invalid points and public keys for signing', () => {
    expect(problem('hello').problem).toBe('not-a-key');
    expect(
      problem(enc('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).problem,
    ).toBe('not-a-key');
    const der = testKey('ed25519').private.publicKey.spki;
    expect(problem(der.subarray(0, der.length - 3)).problem).toBe('not-a-key');
    expect(
      problem(enc('-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA1LMb\n-----END PUBLIC KEY-----\n'))
        .problem,
    ).toBe('malformed');
    expect(problem(new Uint8Array(65).fill(4)).problem).toBe('malformed'); // 04‖X‖Y not on P-256
    expect(problem(testKey('ed25519').publicPem, parsePrivateKey).problem).toBe('public-only');
  });

  it('any bytes give a key or a KeyFormatError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.string({ maxLength: 300 })),
        (input) => {
          try {
            parsePublicKey(input);
          } catch (e) {
            expect(e).toBeInstanceOf(KeyFormatError);
          }
        },
      ),
      { numRuns: 1000 },
    );
    // Mutations of a real DER key, which reach deeper into the parser.
    const der = testKey('rsa-2048').private.publicKey.spki;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: der.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, x) => {
          const copy = Uint8Array.from(der);
          copy[at] = (copy[at] ?? 0) ^ x;
          try {
            parsePublicKey(copy);
          } catch (e) {
            expect(e).toBeInstanceOf(KeyFormatError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
