/**
 * `verifyImage`: the verdict on an image against pinned keys, in MCUboot's
 * order (`bootutil_img_validate`, MCUboot image_validate.c): structure, hash
 * TLVs against the computed hashes, then the signatures (judge-signatures.ts).
 * Bad data never throws; it yields a verdict. A missing host capability
 * (WebCrypto for RSA) yields `unsupported`.
 * @module
 */
import { bytesToHex, equalBytes } from '../bytes.ts';
import type { TrustedKey } from '../keys/trusted-key.ts';
import { flagNames, ImageFlag } from './header.ts';
import { digestRegion, DIGEST_SIZE } from './hasher.ts';
import { hashForSignature, judgeSignatures, memoizedChecks, namedKey } from './judge-signatures.ts';
import { readManifest } from './manifest.ts';
import { parseImage } from './parse.ts';
import { signatureTypeOf } from './signature.ts';
import type { HashAlg } from './tlv-types.ts';
import { readTrailer } from './trailer.ts';
import { formatVersion } from './version.ts';
import { invalid, type ImageVerdict, type SignatureInfo } from './verdict.ts';
import type { SubtleLike } from './webcrypto.ts';

export interface VerifyOptions {
  /**
   * WebCrypto (`crypto.subtle`). Needed for RSA-PSS images; also hashes about
   * ten times faster than the pure-JS fallback.
   */
  readonly subtle?: SubtleLike | undefined;
  /**
   * Demand a valid signature by one of the trusted keys. Defaults to true when
   * keys are given; with no keys the check is hash-only (unsigned images).
   */
  readonly requireSignature?: boolean;
}

export async function verifyImage(
  bytes: Uint8Array,
  trustedKeys: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<ImageVerdict> {
  const parsed = parseImage(bytes);
  if (!parsed.ok) return parsed;
  const image = parsed.image;
  const read = readManifest(image);
  if (!read.ok) return read;
  const manifest = read.manifest;
  const version = formatVersion(image.header.version);

  const primary = manifest.hashes[0];
  if (!primary)
    return invalid('missing-hash', 'the image has no SHA256/SHA384/SHA512 hash TLV', version);

  const region = bytes.subarray(0, image.hashedLength);
  const digests = new Map<HashAlg, Promise<Uint8Array>>();
  const digestOf = (alg: HashAlg) => {
    let d = digests.get(alg);
    if (!d) digests.set(alg, (d = digestRegion(alg, region, options.subtle)));
    return d;
  };
  const requireSignature = options.requireSignature ?? trustedKeys.length > 0;
  const check = memoizedChecks({ digestOf, region, subtle: options.subtle, pure: manifest.pure });
  if (requireSignature) {
    // RSA-PSS re-hashes the region inside WebCrypto (off the main thread), so start
    // it now to run beside our own digest; its result only counts if the hash
    // checks below pass, as in the bootloader. Curve checks wait for the hash.
    for (const signed of manifest.signatures) {
      const type = signatureTypeOf(signed.signature.type, manifest.pure);
      const hash = type?.startsWith('rsa') ? hashForSignature(type, manifest.hashes) : undefined;
      const key = hash && namedKey(signed.key, trustedKeys, hash.alg);
      if (hash && key) check(signed, key, hash.alg).catch(() => undefined);
    }
  }

  for (const { alg, entry } of manifest.hashes) {
    const name = entry.name;
    if (entry.len !== DIGEST_SIZE[alg]) {
      return invalid(
        'bad-hash',
        `the ${name} TLV is ${entry.len} bytes; a ${name} digest is ${DIGEST_SIZE[alg]}`,
        version,
      );
    }
    const computed = await digestOf(alg);
    if (!equalBytes(computed, entry.value)) {
      if (manifest.encrypted) {
        return invalid(
          'unsupported',
          'the image body is encrypted; its hash covers the plaintext, which only the device can decrypt, so it cannot be verified here',
          version,
        );
      }
      return invalid(
        'bad-hash',
        `the image has been altered: its ${name} is ${bytesToHex(computed)} but the ${name} TLV says ${bytesToHex(entry.value)}`,
        version,
      );
    }
  }

  let signature: SignatureInfo | null = null;
  let imageHash = primary;
  if (requireSignature) {
    const judged = await judgeSignatures(manifest, trustedKeys, check, version);
    if ('reason' in judged) return judged;
    signature = judged.signature;
    imageHash = judged.hash;
  } else if (manifest.signatures[0]) {
    const type = signatureTypeOf(manifest.signatures[0].signature.type, manifest.pure);
    if (type) signature = { type, checked: false, signer: null };
  }

  const sha256Tlv = manifest.hashes.find((h) => h.alg === 'sha256');
  return {
    ok: true,
    version: image.header.version,
    versionText: version,
    hashAlg: imageHash.alg,
    imageHash: bytesToHex(imageHash.entry.value),
    sha256: sha256Tlv ? bytesToHex(sha256Tlv.entry.value) : null,
    signature,
    securityCounter: manifest.securityCounter,
    dependencies: manifest.dependencies,
    loadAddr: image.header.loadAddr,
    flags: image.header.flags,
    flagNames: flagNames(image.header.flags),
    bootable: (image.header.flags & ImageFlag.NON_BOOTABLE) === 0,
    layout: image.layout,
    trailer: readTrailer(bytes, image.layout.tlvEnd),
  };
}
