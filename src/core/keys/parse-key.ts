/**
 * Loads MCUboot signing keys from what users have: PEM (SPKI, PKCS#8, SEC1
 * "EC PRIVATE KEY", PKCS#1 "RSA PUBLIC/PRIVATE KEY"), the same as DER, and raw
 * public keys (32-byte Ed25519, 65/33-byte P-256 points). Every key is
 * normalised to the exact bytes imgtool would embed, so KEYHASH matching and
 * fingerprints agree with `imgtool getpub`/`getpubhash`.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { bytesToHex, concatBytes, hexToBytes, latin1String } from '../bytes.ts';
import {
  bitStringBytes,
  children,
  DerError,
  DerTag,
  encodeDer,
  expectTag,
  integerMagnitude,
  readOnly,
  type DerNode,
} from './der.ts';
import { KeyFormatError, type PrivateKey, type PublicKey } from './key-types.ts';
import { decodePem, looksLikePem } from './pem.ts';

// Object identifiers, as DER value bytes (hex).
const OID = {
  ed25519: '2b6570', // 1.3.101.112 (RFC 8410)
  x25519: '2b656e', // 1.3.101.110
  ecPublicKey: '2a8648ce3d0201', // 1.2.840.10045.2.1
  prime256v1: '2a8648ce3d030107', // 1.2.840.10045.3.1.7
  secp384r1: '2b81040022', // 1.3.132.0.34
  rsaEncryption: '2a864886f70d010101', // 1.2.840.113549.1.1.1
} as const;

// Fixed SPKI prefixes: everything before the key bytes (RFC 8410 §4, RFC 5480 §2).
const ED25519_SPKI_PREFIX = hexToBytes('302a300506032b6570032100');
const P256_SPKI_PREFIX = hexToBytes('3059301306072a8648ce3d020106082a8648ce3d030107034200');
const RSA_ALGORITHM_ID = hexToBytes('300d06092a864886f70d0101010500');

function ed25519Public(raw: Uint8Array): PublicKey {
  try {
    ed25519.Point.fromBytes(raw);
  } catch (cause) {
    throw new KeyFormatError('malformed', 'the Ed25519 public key is not a valid curve point', {
      cause,
    });
  }
  const spki = concatBytes(ED25519_SPKI_PREFIX, raw);
  return { type: 'ed25519', raw: Uint8Array.from(raw), spki, embedded: spki };
}

function p256Public(point: Uint8Array): PublicKey {
  let raw: Uint8Array;
  try {
    raw = p256.Point.fromBytes(point).toBytes(false);
  } catch (cause) {
    throw new KeyFormatError('malformed', 'the P-256 public key is not a valid curve point', {
      cause,
    });
  }
  const spki = concatBytes(P256_SPKI_PREFIX, raw);
  return { type: 'ecdsa-p256', raw, spki, embedded: spki };
}

function rsaPublic(pkcs1: Uint8Array): PublicKey {
  const [n, e, ...rest] = children(readOnly(pkcs1, DerTag.SEQUENCE));
  if (!n || !e || rest.length) throw new DerError('RSAPublicKey must hold exactly n and e');
  const modulus = integerMagnitude(n);
  integerMagnitude(e);
  const bits = modulus.length * 8 - Math.clz32(modulus[0] ?? 0) + 24;
  if (bits !== 2048 && bits !== 3072) {
    throw new KeyFormatError(
      'unsupported',
      `RSA-${bits} keys are not supported; MCUboot signs with RSA-2048 or RSA-3072`,
    );
  }
  const spki = encodeDer(
    DerTag.SEQUENCE,
    RSA_ALGORITHM_ID,
    encodeDer(DerTag.BIT_STRING, new Uint8Array([0]), pkcs1),
  );
  return {
    type: bits === 2048 ? 'rsa-2048' : 'rsa-3072',
    raw: Uint8Array.from(modulus),
    spki,
    embedded: Uint8Array.from(pkcs1),
  };
}

function oidHex(node: DerNode | undefined): string {
  return bytesToHex(expectTag(node, DerTag.OID).value);
}

function unsupportedAlgorithm(oid: string): KeyFormatError {
  const known: Record<string, string> = {
    [OID.x25519]: 'an X25519 key (used for image encryption, not for signing)',
    [OID.secp384r1]: 'an ECDSA P-384 key',
  };
  return new KeyFormatError(
    'unsupported',
    `this is ${known[oid] ?? `a key of an unsupported algorithm (OID ${oid})`}; fieldflash supports Ed25519, ECDSA P-256, RSA-2048 and RSA-3072`,
  );
}

function publicFromSpki(spki: Uint8Array): PublicKey {
  const [algorithm, keyBits, ...rest] = children(readOnly(spki, DerTag.SEQUENCE));
  if (!algorithm || !keyBits || rest.length)
    throw new DerError('SubjectPublicKeyInfo has the wrong shape');
  const [alg, params] = children(expectTag(algorithm, DerTag.SEQUENCE));
  const oid = oidHex(alg);
  const key = bitStringBytes(keyBits);
  if (oid === OID.ed25519) {
    if (key.length !== 32) throw new DerError('an Ed25519 key is 32 bytes');
    return ed25519Public(key);
  }
  if (oid === OID.ecPublicKey) {
    const curve = oidHex(params);
    if (curve !== OID.prime256v1) throw unsupportedAlgorithm(curve);
    return p256Public(key);
  }
  if (oid === OID.rsaEncryption) return rsaPublic(key);
  throw unsupportedAlgorithm(oid);
}

function ecPrivateFromSec1(sec1: Uint8Array, curveFromPkcs8?: string): PrivateKey {
  const [version, secret, ...tagged] = children(readOnly(sec1, DerTag.SEQUENCE));
  if (integerMagnitude(expectTag(version, DerTag.INTEGER))[0] !== 1) {
    throw new DerError('ECPrivateKey version must be 1');
  }
  const scalar = expectTag(secret, DerTag.OCTET_STRING).value;
  const params = tagged.find((n) => n.tag === DerTag.CONTEXT_0);
  const curve = params ? oidHex(children(params)[0]) : curveFromPkcs8;
  if (curve !== undefined && curve !== OID.prime256v1) throw unsupportedAlgorithm(curve);
  if (scalar.length !== 32) throw new DerError('a P-256 private key is 32 bytes');
  let point: Uint8Array;
  try {
    point = p256.getPublicKey(scalar, false);
  } catch (cause) {
    throw new KeyFormatError('malformed', 'the P-256 private key is out of range', { cause });
  }
  return { type: 'ecdsa-p256', scalar: Uint8Array.from(scalar), publicKey: p256Public(point) };
}

function rsaPrivateFromPkcs1(pkcs1: Uint8Array, pkcs8?: Uint8Array): PrivateKey {
  const [version, n, e, ...rest] = children(readOnly(pkcs1, DerTag.SEQUENCE));
  if (!n || !e || rest.length < 6) throw new DerError('RSAPrivateKey has the wrong shape');
  if (integerMagnitude(expectTag(version, DerTag.INTEGER))[0] !== 0) {
    throw new KeyFormatError('unsupported', 'multi-prime RSA keys are not supported');
  }
  const publicKey = rsaPublic(encodeDer(DerTag.SEQUENCE, n.whole, e.whole));
  const wrapped =
    pkcs8 ??
    encodeDer(
      DerTag.SEQUENCE,
      encodeDer(DerTag.INTEGER, new Uint8Array([0])),
      RSA_ALGORITHM_ID,
      encodeDer(DerTag.OCTET_STRING, pkcs1),
    );
  const type = publicKey.type === 'rsa-3072' ? 'rsa-3072' : 'rsa-2048';
  return { type, pkcs8: Uint8Array.from(wrapped), publicKey };
}

function privateFromPkcs8(der: Uint8Array): PrivateKey {
  const [version, algorithm, secret] = children(readOnly(der, DerTag.SEQUENCE));
  expectTag(version, DerTag.INTEGER);
  const [alg, params] = children(expectTag(algorithm, DerTag.SEQUENCE));
  const oid = oidHex(alg);
  const inner = expectTag(secret, DerTag.OCTET_STRING).value;
  if (oid === OID.ed25519) {
    const seed = readOnly(inner, DerTag.OCTET_STRING).value;
    if (seed.length !== 32) throw new DerError('an Ed25519 private key is 32 bytes');
    return {
      type: 'ed25519',
      seed: Uint8Array.from(seed),
      publicKey: ed25519Public(ed25519.getPublicKey(seed)),
    };
  }
  if (oid === OID.ecPublicKey) return ecPrivateFromSec1(inner, oidHex(params));
  if (oid === OID.rsaEncryption) return rsaPrivateFromPkcs1(inner, der);
  throw unsupportedAlgorithm(oid);
}

type Parsed = { kind: 'public'; key: PublicKey } | { kind: 'private'; key: PrivateKey };

function parseDerBlock(label: string | undefined, der: Uint8Array): Parsed {
  switch (label) {
    case 'PUBLIC KEY':
      return { kind: 'public', key: publicFromSpki(der) };
    case 'RSA PUBLIC KEY':
      return { kind: 'public', key: rsaPublic(der) };
    case 'PRIVATE KEY':
      return { kind: 'private', key: privateFromPkcs8(der) };
    case 'EC PRIVATE KEY':
      return { kind: 'private', key: ecPrivateFromSec1(der) };
    case 'RSA PRIVATE KEY':
      return { kind: 'private', key: rsaPrivateFromPkcs1(der) };
    case undefined:
      break;
    default:
      if (label === 'ENCRYPTED PRIVATE KEY' || label.endsWith('(with headers)')) {
        throw new KeyFormatError(
          'encrypted',
          'the private key is password-protected; export it without a password (e.g. `openssl pkey -in KEY -out PLAIN.pem`)',
        );
      }
      throw new KeyFormatError(
        'not-a-key',
        `a "${label}" PEM block is not a key fieldflash can use`,
      );
  }
  // Bare DER: try each container in turn; the first that parses wins.
  const attempts: Array<() => Parsed> = [
    () => ({ kind: 'public', key: publicFromSpki(der) }),
    () => ({ kind: 'private', key: privateFromPkcs8(der) }),
    () => ({ kind: 'private', key: ecPrivateFromSec1(der) }),
    () => ({ kind: 'private', key: rsaPrivateFromPkcs1(der) }),
    () => ({ kind: 'public', key: rsaPublic(der) }),
  ];
  let firstUnsupported: KeyFormatError | undefined;
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (e) {
      if (e instanceof KeyFormatError && e.problem === 'unsupported') firstUnsupported ??= e;
    }
  }
  throw (
    firstUnsupported ??
    new KeyFormatError('not-a-key', 'the DER data is not a key in a known format')
  );
}

function parseAny(input: Uint8Array | string): Parsed {
  const bytes = typeof input === 'string' ? null : input;
  const text = typeof input === 'string' ? input : looksLikePem(input) ? latin1String(input) : null;
  try {
    if (text !== null) {
      const blocks = decodePem(text).filter((b) => b.label !== 'EC PARAMETERS');
      const block = blocks[0];
      if (!block) throw new KeyFormatError('not-a-key', 'no PEM key block found');
      return parseDerBlock(block.label, block.der);
    }
    if (bytes === null) throw new KeyFormatError('not-a-key', 'empty key');
    // Raw public keys, as `imgtool getpub -e raw`-style tools and keys.json carry them.
    if (bytes.length === 32) return { kind: 'public', key: ed25519Public(bytes) };
    if (
      (bytes.length === 65 && bytes[0] === 4) ||
      (bytes.length === 33 && (bytes[0] === 2 || bytes[0] === 3))
    ) {
      return { kind: 'public', key: p256Public(bytes) };
    }
    if (bytes[0] === DerTag.SEQUENCE) return parseDerBlock(undefined, bytes);
    throw new KeyFormatError(
      'not-a-key',
      'not a PEM or DER key, nor a raw Ed25519 or P-256 public key',
    );
  } catch (e) {
    if (e instanceof KeyFormatError) throw e;
    throw new KeyFormatError('malformed', `the key is malformed: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Loads a public key; a private key is accepted too and its public half returned. */
export function parsePublicKey(input: Uint8Array | string): PublicKey {
  const parsed = parseAny(input);
  return parsed.kind === 'public' ? parsed.key : parsed.key.publicKey;
}

/** Loads a private (signing) key. */
export function parsePrivateKey(input: Uint8Array | string): PrivateKey {
  const parsed = parseAny(input);
  if (parsed.kind === 'public') {
    throw new KeyFormatError('public-only', 'this is a public key; signing needs the private key');
  }
  return parsed.key;
}
