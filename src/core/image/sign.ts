/**
 * Builds signed MCUboot images the way `imgtool sign` does (MCUboot
 * scripts/imgtool/image.py `Image.load`/`create`/`pad_to`; research/protocols.md
 * §1.8), so that for deterministic inputs (unsigned, Ed25519) the output is
 * byte-identical to imgtool's, and for ECDSA/RSA identical but for the
 * signature bytes.
 * @module
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../bytes.ts';
import { FieldflashError } from '../errors.ts';
import type { PrivateKey } from '../keys/key-types.ts';
import { encodeHeader, IMAGE_HEADER_SIZE, IMAGE_MAGIC, ImageFlag } from './header.ts';
import { createSignature } from './signature.ts';
import { encodeTlvArea, type TlvRecord } from './tlv-writer.ts';
import {
  HASH_TLV_FOR_ALG,
  TLV_INFO_MAGIC,
  TLV_PROT_INFO_MAGIC,
  TlvType,
  VENDOR_TLV_MAX,
  VENDOR_TLV_MIN,
  type HashAlg,
} from './tlv-types.ts';
import {
  bootMagic,
  DEFAULT_MAX_ALIGN,
  DEFAULT_MAX_SECTORS,
  imageOkOffsetFromEnd,
  trailerSize,
} from './trailer.ts';
import { autoSecurityCounter, type ImageVersion } from './version.ts';
import type { Dependency } from './verdict.ts';
import type { SubtleLike } from './webcrypto.ts';

export type FlashAlign = 1 | 2 | 4 | 8 | 16 | 32;

export interface SignOptions {
  readonly version: ImageVersion;
  /** `--header-size`: at least 32. */
  readonly headerSize: number;
  /** `--pad-header`: prepend the header area (filled with the erased value) instead of requiring zeros. */
  readonly padHeader?: boolean;
  /** `--slot-size`: the image plus trailer must fit; the `--pad` target. */
  readonly slotSize: number;
  readonly align?: FlashAlign;
  readonly maxAlign?: 8 | 16 | 32;
  readonly maxSectors?: number;
  readonly pad?: boolean;
  /** `--confirm`: pad and set image_ok (implies pad). */
  readonly confirm?: boolean;
  /** `--test`: pad and leave image_ok unset (implies pad). */
  readonly test?: boolean;
  readonly overwriteOnly?: boolean;
  readonly erasedVal?: 0 | 0xff;
  readonly securityCounter?: number | 'auto';
  readonly dependencies?: readonly Dependency[];
  readonly customTlvs?: readonly { readonly type: number; readonly value: Uint8Array }[];
  /** `--load-addr`: sets RAM_LOAD. */
  readonly loadAddr?: number;
  /** `--rom-fixed`: sets ROM_FIXED. */
  readonly romFixed?: number;
  readonly nonBootable?: boolean;
  readonly publicKeyFormat?: 'hash' | 'full';
  readonly sha?: 'auto' | '256' | '384' | '512';
  /** `--pure`: Ed25519 over the image itself (needs MCUBOOT_SIGN_PURE). */
  readonly pure?: boolean;
  /** `--pad-sig`: pad ECDSA signatures to 72 bytes. */
  readonly padSig?: boolean;
}

/** A sign option that cannot be honoured; `option` names the imgtool flag. */
export class SignOptionError extends FieldflashError {
  readonly code = 'bad-sign-option';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

export interface SignedImage {
  /** Header + body + TLVs: what is uploaded over SMP. */
  readonly image: Uint8Array;
  readonly hashAlg: HashAlg;
  readonly hash: Uint8Array;
  /**
   * For padded output: bytes to place at these offsets from the slot start
   * (boot magic, and the image_ok flag for --confirm/--test), as imgtool puts
   * them into a HEX file. `padImage` turns them into a slot-sized binary.
   */
  readonly trailerWrites: readonly { readonly offset: number; readonly bytes: Uint8Array }[];
  readonly slotSize: number;
  readonly erasedVal: number;
}

const HASHES = { sha256, sha384, sha512 } as const;

/** Largest slot `--pad` materialises (1 GiB: far above any MCU flash slot). */
export const MAX_PADDED_SLOT = 1 << 30;

/** imgtool `key_and_user_sha_to_alg_and_tlv`. */
function hashAlgFor(
  key: PrivateKey | null,
  sha: SignOptions['sha'] = 'auto',
  pure = false,
): HashAlg {
  const bySha = { auto: 'sha256', '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const;
  if (!key) return bySha[sha];
  if (pure) {
    if (key.type !== 'ed25519')
      throw new SignOptionError('--pure', 'pure signatures are only defined for Ed25519 keys');
    if (sha !== 'auto')
      throw new SignOptionError('--sha', 'pure signatures always use SHA-512; drop --sha');
    return 'sha512';
  }
  const allowed: HashAlg[] = key.type === 'ed25519' ? ['sha256', 'sha512'] : ['sha256'];
  const wanted = sha === 'auto' ? (allowed[0] ?? 'sha256') : bySha[sha];
  if (!allowed.includes(wanted)) {
    throw new SignOptionError(
      '--sha',
      `a ${key.type} key cannot be used with --sha ${sha}; allowed: ${allowed.map((a) => a.slice(3)).join(', ')}`,
    );
  }
  return wanted;
}

function validate(options: SignOptions): void {
  if (
    !Number.isInteger(options.headerSize) ||
    options.headerSize < IMAGE_HEADER_SIZE ||
    options.headerSize > 0xffff
  ) {
    throw new SignOptionError(
      '--header-size',
      `the header size must be 32…65535 bytes, not ${options.headerSize}`,
    );
  }
  if (!Number.isInteger(options.slotSize) || options.slotSize < 0) {
    throw new SignOptionError(
      '--slot-size',
      `the slot size must be a whole number of bytes, not ${options.slotSize}`,
    );
  }
  const U32 = 0xffffffff;
  if (options.slotSize > U32) {
    throw new SignOptionError(
      '--slot-size',
      `the slot size 0x${options.slotSize.toString(16)} does not fit MCUboot's 32-bit sizes`,
    );
  }
  for (const [option, value] of [
    ['--load-addr', options.loadAddr],
    ['--rom-fixed', options.romFixed],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > U32)) {
      throw new SignOptionError(
        option,
        `the address ${value} does not fit the header's 32-bit field`,
      );
    }
  }
  if (options.loadAddr && options.romFixed) {
    throw new SignOptionError(
      '--rom-fixed',
      'an image cannot have both a RAM load address and a fixed ROM address',
    );
  }
  const seen = new Set<number>();
  for (const { type } of options.customTlvs ?? []) {
    if (type < VENDOR_TLV_MIN || type > VENDOR_TLV_MAX) {
      throw new SignOptionError(
        '--custom-tlv',
        `custom TLV type 0x${type.toString(16)} is outside the vendor range 0x00a0…0xfffe`,
      );
    }
    if (Object.values(TlvType).includes(type as never)) {
      throw new SignOptionError(
        '--custom-tlv',
        `custom TLV 0x${type.toString(16)} conflicts with a predefined TLV`,
      );
    }
    if (seen.has(type))
      throw new SignOptionError('--custom-tlv', `custom TLV 0x${type.toString(16)} is given twice`);
    seen.add(type);
  }
}

/**
 * Signs `input`: the image body (with `padHeader`), or header-size zero bytes
 * followed by the body (without it), as imgtool expects its input file.
 * `key: null` makes an unsigned image (hash TLV only).
 */
export async function signImage(
  input: Uint8Array,
  key: PrivateKey | null,
  options: SignOptions,
  host: { readonly subtle?: SubtleLike | undefined } = {},
): Promise<SignedImage> {
  validate(options);
  const erasedVal = options.erasedVal ?? 0xff;
  const pure = options.pure ?? false;
  const hashAlg = hashAlgFor(key, options.sha, pure);
  const { headerSize } = options;

  let payload: Uint8Array;
  if (options.padHeader) {
    payload = concatBytes(new Uint8Array(headerSize).fill(erasedVal), input);
  } else {
    if (input.length < headerSize || input.subarray(0, headerSize).some((b) => b !== 0)) {
      throw new SignOptionError(
        '--pad-header',
        `the input does not start with ${headerSize} zero bytes for the header; add --pad-header to have them added`,
      );
    }
    payload = Uint8Array.from(input);
  }

  // Protected TLVs, in imgtool's order: SEC_CNT, DEPENDENCY…, custom TLVs.
  const securityCounter =
    options.securityCounter === 'auto'
      ? autoSecurityCounter(options.version)
      : options.securityCounter;
  const protectedTlvs: TlvRecord[] = [];
  if (securityCounter !== undefined) {
    if (!Number.isInteger(securityCounter) || securityCounter < 0 || securityCounter > 0xffffffff) {
      throw new SignOptionError(
        '--security-counter',
        `the security counter must fit in 32 bits, not ${securityCounter}`,
      );
    }
    protectedTlvs.push({ type: TlvType.SEC_CNT, value: u32(securityCounter) });
  }
  for (const dep of options.dependencies ?? []) {
    const v = new Uint8Array(12);
    v[0] = dep.imageId;
    v[4] = dep.version.major;
    v[5] = dep.version.minor;
    v.set(u16(dep.version.revision), 6);
    v.set(u32(dep.version.build), 8);
    protectedTlvs.push({ type: TlvType.DEPENDENCY, value: v });
  }
  for (const custom of options.customTlvs ?? []) protectedTlvs.push(custom);
  const protectedArea = encodeTlvArea(TLV_PROT_INFO_MAGIC, protectedTlvs);

  let flags = 0;
  if (options.loadAddr) flags |= ImageFlag.RAM_LOAD;
  if (options.romFixed) flags |= ImageFlag.ROM_FIXED;
  if (options.nonBootable) flags |= ImageFlag.NON_BOOTABLE;
  payload.set(
    encodeHeader({
      magic: IMAGE_MAGIC,
      loadAddr: options.romFixed || options.loadAddr || 0,
      hdrSize: headerSize,
      protectTlvSize: protectedArea.length,
      imgSize: payload.length - headerSize,
      flags,
      version: options.version,
    }),
  );

  const region = concatBytes(payload, protectedArea);
  const hash = HASHES[hashAlg](region);
  const tlvs: TlvRecord[] = [{ type: HASH_TLV_FOR_ALG[hashAlg], value: hash }];
  if (pure) tlvs.push({ type: TlvType.SIG_PURE, value: Uint8Array.of(1) });
  if (key) {
    const embedded = key.publicKey.embedded;
    tlvs.push(
      options.publicKeyFormat === 'full'
        ? { type: TlvType.PUBKEY, value: embedded }
        : { type: TlvType.KEYHASH, value: HASHES[hashAlg](embedded) },
    );
    const sig = await createSignature(key, {
      digest: hash,
      sha256: hashAlg === 'sha256' ? hash : sha256(region),
      region,
      pure,
      padSig: options.padSig ?? false,
      subtle: host.subtle,
    });
    tlvs.push({ type: sig.tlvType, value: sig.value });
  }
  const image = concatBytes(region, encodeTlvArea(TLV_INFO_MAGIC, tlvs));

  // imgtool check_trailer / pad_to.
  const align = options.align ?? 1;
  const maxAlign = options.maxAlign ?? Math.max(DEFAULT_MAX_ALIGN, align);
  const overwriteOnly = options.overwriteOnly ?? false;
  const tsize = trailerSize({
    align,
    maxAlign,
    maxSectors: options.maxSectors ?? DEFAULT_MAX_SECTORS,
    overwriteOnly,
  });
  if (options.slotSize > 0 && image.length + tsize > options.slotSize) {
    throw new SignOptionError(
      '--slot-size',
      `the image (0x${image.length.toString(16)} bytes) plus the trailer (0x${tsize.toString(16)}) does not fit in the 0x${options.slotSize.toString(16)}-byte slot`,
    );
  }
  const trailerWrites: { offset: number; bytes: Uint8Array }[] = [];
  if (options.pad || options.confirm || options.test) {
    if (options.slotSize === 0) throw new SignOptionError('--pad', 'padding needs --slot-size');
    if (options.slotSize > MAX_PADDED_SLOT) {
      throw new SignOptionError(
        '--slot-size',
        `padding to a ${options.slotSize}-byte slot would build a file that large in memory; pad at most ${MAX_PADDED_SLOT} bytes, or sign without --pad`,
      );
    }
    const magic = bootMagic(maxAlign);
    if ((options.confirm || options.test) && !overwriteOnly) {
      const flag = new Uint8Array(maxAlign).fill(erasedVal);
      if (options.confirm) flag[0] = 0x01; // image_ok = BOOT_FLAG_SET
      trailerWrites.push({
        offset: options.slotSize - imageOkOffsetFromEnd(maxAlign),
        bytes: flag,
      });
    }
    trailerWrites.push({ offset: options.slotSize - magic.length, bytes: magic });
  }
  return { image, hashAlg, hash, trailerWrites, slotSize: options.slotSize, erasedVal };
}

/** The slot-sized binary imgtool writes for `--pad`: erased fill with the trailer writes applied. */
export function padImage(signed: SignedImage): Uint8Array {
  if (signed.trailerWrites.length === 0) return signed.image;
  const out = new Uint8Array(signed.slotSize).fill(signed.erasedVal);
  out.set(signed.image);
  for (const w of signed.trailerWrites) out.set(w.bytes, w.offset);
  return out;
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff);
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
}
