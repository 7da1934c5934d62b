/**
 * Image hashing. `ImageHasher` consumes an image in chunks of any size, as a
 * download or a file stream delivers it, and hashes exactly the hashed region
 * (header + body + protected TLVs, research/protocols.md §1.4), which it
 * learns from the header once 32 bytes have arrived. `digestRegion` is the
 * one-shot form used by `verifyImage`: WebCrypto when the host offers it
 * (native, ~10x faster than JS here), @noble/hashes otherwise.
 * @module
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { decodeHeader, hashedRegionLength, IMAGE_HEADER_SIZE } from './header.ts';
import type { HashAlg } from './tlv-types.ts';
import { asBufferView, WEBCRYPTO_HASH, type SubtleLike } from './webcrypto.ts';

const NOBLE = { sha256, sha384, sha512 } as const;

export const DIGEST_SIZE: Readonly<Record<HashAlg, number>> = {
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

type IncrementalHash = ReturnType<(typeof NOBLE)[HashAlg]['create']>;

export class ImageHasher {
  readonly #hash: IncrementalHash;
  readonly #header = new Uint8Array(IMAGE_HEADER_SIZE);
  #seen = 0;
  #region: number | undefined;

  constructor(readonly alg: HashAlg) {
    this.#hash = NOBLE[alg].create();
  }

  /** Bytes covered by the hash, known once the 32-byte header has been seen. */
  get regionLength(): number | undefined {
    return this.#region;
  }

  /** True once every byte of the hashed region has been fed in. */
  get complete(): boolean {
    return this.#region !== undefined && this.#seen >= this.#region;
  }

  update(chunk: Uint8Array): this {
    let offset = 0;
    if (this.#region === undefined) {
      const take = Math.min(IMAGE_HEADER_SIZE - this.#seen, chunk.length);
      this.#header.set(chunk.subarray(0, take), this.#seen);
      this.#seen += take;
      offset = take;
      if (this.#seen < IMAGE_HEADER_SIZE) return this;
      this.#region = hashedRegionLength(decodeHeader(this.#header));
      this.#hash.update(this.#header.subarray(0, Math.min(IMAGE_HEADER_SIZE, this.#region)));
    }
    const wanted = Math.max(0, this.#region - Math.max(this.#seen, IMAGE_HEADER_SIZE));
    const part = chunk.subarray(offset, offset + wanted);
    if (part.length) this.#hash.update(part);
    this.#seen += chunk.length - offset;
    return this;
  }

  digest(): Uint8Array {
    if (!this.complete) {
      throw new RangeError(
        `ImageHasher: only ${this.#seen} of ${this.#region ?? 'an unknown number of'} hashed bytes seen`,
      );
    }
    return this.#hash.digest();
  }
}

/** Hashes `region` (already cut to the hashed length) in one go. */
export async function digestRegion(
  alg: HashAlg,
  region: Uint8Array,
  subtle: SubtleLike | undefined,
): Promise<Uint8Array> {
  if (subtle) return new Uint8Array(await subtle.digest(WEBCRYPTO_HASH[alg], asBufferView(region)));
  return NOBLE[alg](region);
}
