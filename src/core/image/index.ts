/**
 * MCUboot images: parse, hash, verify, sign. See verify.ts for the verdict
 * contract (DESIGN.md "Image verdict").
 * @module
 */
export * from './header.ts';
export { ImageHasher, digestRegion, DIGEST_SIZE } from './hasher.ts';
export { readImageFile, type ImageFile, type ImageFileFormat } from './image-file.ts';
export { formatIntelHex, HexFormatError, parseIntelHex, type HexImage } from './intel-hex.ts';
export { readManifest, type ImageManifest } from './manifest.ts';
export { parseImage, type ParsedImage, type TlvEntry } from './parse.ts';
export { CryptoUnavailableError } from './signature.ts';
export {
  padImage,
  signImage,
  SignOptionError,
  type FlashAlign,
  type SignedImage,
  type SignOptions,
} from './sign.ts';
export * from './tlv-types.ts';
export { readTrailer } from './trailer.ts';
export * from './verdict.ts';
export { verifyImage, type VerifyOptions } from './verify.ts';
export * from './version.ts';
export type { SubtleLike } from './webcrypto.ts';
export { REASON_SUMMARY, SIGNATURE_LABEL } from './verdict-text.ts';
