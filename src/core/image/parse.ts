/**
 * Structural parse of an MCUboot image: header, protected (0x6908) and
 * unprotected (0x6907) TLV areas, every entry located and bounds-checked. It
 * follows the bootloader's iteration rules (`bootutil_tlv_iter_begin/next`,
 * MCUboot boot/bootutil/src/tlv.c; research/protocols.md §1.3) and never
 * allocates from a declared size: every value is a view into the input.
 * @module
 */
import { readU16LE, readU32LE } from '../bytes.ts';
import {
  decodeHeader,
  hashedRegionLength,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  IMAGE_MAGIC_V1,
  type ImageHeader,
} from './header.ts';
import {
  ALLOWED_UNPROTECTED_TLVS,
  TLV_ENTRY_HEADER_SIZE,
  TLV_INFO_MAGIC,
  TLV_INFO_SIZE,
  TLV_PROT_INFO_MAGIC,
  tlvTypeName,
} from './tlv-types.ts';
import { formatVersion } from './version.ts';
import { invalid, type ImageInvalid, type ImageLayout, type TlvInfo } from './verdict.ts';

export interface TlvEntry extends TlvInfo {
  readonly value: Uint8Array;
}

export interface ParsedImage {
  readonly bytes: Uint8Array;
  readonly header: ImageHeader;
  /** Bytes covered by the image hash: header + body + protected TLVs. */
  readonly hashedLength: number;
  readonly layout: ImageLayout;
  readonly tlvs: readonly TlvEntry[];
}

export type ParseResult = { readonly ok: true; readonly image: ParsedImage } | ImageInvalid;

const hex4 = (n: number) => '0x' + n.toString(16).padStart(4, '0');

export function parseImage(bytes: Uint8Array): ParseResult {
  if (bytes.length < 4) {
    return invalid(
      'truncated',
      `the file is ${bytes.length} bytes; an MCUboot image starts with a 32-byte header`,
    );
  }
  const magic = readU32LE(bytes, 0);
  if (magic !== IMAGE_MAGIC) {
    const what =
      magic === IMAGE_MAGIC_V1
        ? 'the pre-1.0 MCUboot magic, which current bootloaders refuse'
        : magic === 0xffffffff
          ? 'erased flash (0xffffffff)'
          : `0x${magic.toString(16).padStart(8, '0')}`;
    return invalid(
      'bad-magic',
      `not an MCUboot image: the header magic is ${what}, expected 0x96f3b83d`,
    );
  }
  if (bytes.length < IMAGE_HEADER_SIZE) {
    return invalid(
      'truncated',
      `the file is ${bytes.length} bytes and ends inside the 32-byte image header`,
    );
  }
  const header = decodeHeader(bytes);
  const version = formatVersion(header.version);
  if (header.hdrSize < IMAGE_HEADER_SIZE) {
    return invalid(
      'bad-magic',
      `not a valid MCUboot header: it says the header is ${header.hdrSize} bytes, less than the 32 it takes`,
      version,
    );
  }
  const tlvOff = header.hdrSize + header.imgSize;
  if (tlvOff + TLV_INFO_SIZE > bytes.length) {
    const where = tlvOff > bytes.length ? 'inside the image body' : 'before the TLV area';
    return invalid(
      'truncated',
      `the file is ${bytes.length} bytes and ends ${where}; the header says the body ends at ${tlvOff}`,
      version,
    );
  }

  let protectedInfoOffset: number | null = null;
  let unprotOff = tlvOff;
  const firstMagic = readU16LE(bytes, tlvOff);
  if (header.protectTlvSize !== 0) {
    if (firstMagic !== TLV_PROT_INFO_MAGIC) {
      return invalid(
        'bad-tlv-magic',
        `expected the protected TLV info magic 0x6908 at offset ${tlvOff}, found ${hex4(firstMagic)}`,
        version,
      );
    }
    const tot = readU16LE(bytes, tlvOff + 2);
    if (tot !== header.protectTlvSize) {
      return invalid(
        'bad-tlv',
        `the protected TLV area says it is ${tot} bytes but the header says ${header.protectTlvSize}`,
        version,
      );
    }
    protectedInfoOffset = tlvOff;
    unprotOff = tlvOff + tot;
    if (unprotOff + TLV_INFO_SIZE > bytes.length) {
      return invalid(
        'truncated',
        `the file ends inside the protected TLV area (at ${bytes.length})`,
        version,
      );
    }
  } else if (firstMagic === TLV_PROT_INFO_MAGIC) {
    return invalid(
      'bad-tlv',
      `a protected TLV area is present at offset ${tlvOff} but the header says it has none`,
      version,
    );
  }

  const infoMagic = readU16LE(bytes, unprotOff);
  if (infoMagic !== TLV_INFO_MAGIC) {
    return invalid(
      'bad-tlv-magic',
      `expected the TLV info magic 0x6907 at offset ${unprotOff}, found ${hex4(infoMagic)}`,
      version,
    );
  }
  const tlvEnd = unprotOff + readU16LE(bytes, unprotOff + 2);

  const tlvs: TlvEntry[] = [];
  if (protectedInfoOffset !== null) {
    const failure = walk(
      bytes,
      { start: protectedInfoOffset + TLV_INFO_SIZE, end: unprotOff, isProtected: true },
      tlvs,
      version,
    );
    if (failure) return failure;
  }
  const failure = walk(
    bytes,
    { start: unprotOff + TLV_INFO_SIZE, end: tlvEnd, isProtected: false },
    tlvs,
    version,
  );
  if (failure) return failure;

  return {
    ok: true,
    image: {
      bytes,
      header,
      hashedLength: hashedRegionLength(header),
      tlvs,
      layout: {
        headerSize: header.hdrSize,
        bodySize: header.imgSize,
        protectedTlvSize: header.protectTlvSize,
        protectedInfoOffset,
        tlvInfoOffset: unprotOff,
        tlvEnd,
        tlvs: tlvs.map(({ value: _value, ...info }) => info),
      },
    },
  };
}

/**
 * Walks the entries of one TLV area `[start, end)`, appending them to `out`.
 * An entry that overruns the area is `bad-tlv`; one cut off by the end of the
 * file is `truncated`; an area whose declared size runs past the end of the
 * file although its entries stop cleanly there is `bad-tlv` (the size lies).
 */
function walk(
  bytes: Uint8Array,
  { start, end, isProtected }: { start: number; end: number; isProtected: boolean },
  out: TlvEntry[],
  version: string,
): ImageInvalid | undefined {
  const area = isProtected ? 'protected TLV area' : 'TLV area';
  if (end < start) {
    return invalid(
      'bad-tlv',
      `the ${area} declares a size smaller than its own 4-byte header`,
      version,
    );
  }
  let off = start;
  while (off < end) {
    if (off + TLV_ENTRY_HEADER_SIZE > end) {
      return invalid(
        'bad-tlv',
        `the ${area} ends with ${end - off} stray bytes at offset ${off}`,
        version,
      );
    }
    if (off + TLV_ENTRY_HEADER_SIZE > bytes.length) {
      return invalid(
        'truncated',
        `the file ends at ${bytes.length}, inside a TLV header of the ${area}`,
        version,
      );
    }
    const type = readU16LE(bytes, off);
    const len = readU16LE(bytes, off + 2);
    const valueEnd = off + TLV_ENTRY_HEADER_SIZE + len;
    const name = tlvTypeName(type);
    if (valueEnd > end) {
      return invalid(
        'bad-tlv',
        `TLV ${name} at offset ${off} is ${len} bytes long and runs past the end of the ${area} (${end})`,
        version,
      );
    }
    if (valueEnd > bytes.length) {
      return invalid(
        'truncated',
        `the file ends at ${bytes.length}, inside TLV ${name} (offset ${off})`,
        version,
      );
    }
    // MCUBOOT_USE_TLV_ALLOW_LIST: only hash, key, signature and encryption TLVs may sit
    // outside the hashed region; anything else there could be edited undetected.
    if (ALLOWED_UNPROTECTED_TLVS.has(type) === isProtected) {
      const rule = isProtected
        ? 'must not be in the protected area'
        : 'must be in the protected area';
      return invalid('bad-tlv', `TLV ${name} at offset ${off} ${rule}`, version);
    }
    out.push({
      type,
      name,
      len,
      offset: off,
      protected: isProtected,
      value: bytes.subarray(off + TLV_ENTRY_HEADER_SIZE, valueEnd),
    });
    off = valueEnd;
    if (off === bytes.length && end > off) {
      return invalid(
        'bad-tlv',
        `the ${area} says it ends at ${end}, past the end of the file (${bytes.length}), though its last entry ends there`,
        version,
      );
    }
  }
  return undefined;
}
