/**
 * A NOR-flash model: sectors that erase to a fixed value, writes aligned to the
 * write block size that may only go to erased bytes, and operation times, so
 * that erasing a slot takes as long as it would and a power cut can tear the
 * sector being written.
 * @module
 */

export interface FlashGeometry {
  readonly size: number;
  readonly sectorSize: number;
  /** Write block size (e.g. 4 on nRF52, 8 on STM32 L4, 1 on QEMU). */
  readonly writeAlign: number;
  readonly erasedValue: 0xff | 0x00;
}

export interface FlashTiming {
  /** Time to erase one sector (nRF52840: ~85 ms per 4 KiB page). */
  readonly eraseSectorMs: number;
  /** Time per written byte (nRF52840: ~41 µs per 32-bit word ≈ 0.01 ms per byte). */
  readonly writeByteMs: number;
}

export class FlashError extends Error {}

export class Flash {
  readonly bytes: Uint8Array;
  /** Multiplies operation times (a "slow flash" fault). */
  slowdown = 1;
  /** The last write or erase, so that a power cut can tear the sector it was working on. */
  lastOp: { readonly offset: number; readonly length: number } | null = null;

  constructor(
    readonly geometry: FlashGeometry,
    readonly timing: FlashTiming,
  ) {
    if (geometry.size % geometry.sectorSize !== 0)
      throw new RangeError('flash size must be whole sectors');
    this.bytes = new Uint8Array(geometry.size).fill(geometry.erasedValue);
  }

  read(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  /** A view, for hashing large regions without copying. */
  view(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    return this.bytes.subarray(offset, offset + length);
  }

  isErased(offset: number, length: number): boolean {
    const v = this.geometry.erasedValue;
    for (let i = offset; i < offset + length; i++) if (this.bytes[i] !== v) return false;
    return true;
  }

  /** Writes `data`; each byte must be erased first, as on NOR flash. Returns the time it takes. */
  write(offset: number, data: Uint8Array): number {
    this.#check(offset, data.length);
    if (offset % this.geometry.writeAlign !== 0 || data.length % this.geometry.writeAlign !== 0) {
      throw new FlashError(
        `unaligned flash write at ${offset} (+${data.length}); the write block is ${this.geometry.writeAlign}`,
      );
    }
    if (!this.isErased(offset, data.length))
      throw new FlashError(`flash write at ${offset} over bytes not erased`);
    this.bytes.set(data, offset);
    this.lastOp = { offset, length: data.length };
    return data.length * this.timing.writeByteMs * this.slowdown;
  }

  /** Erases the sectors covering [offset, offset + length). Returns the time it takes. */
  erase(offset: number, length: number): number {
    const s = this.geometry.sectorSize;
    const start = Math.floor(offset / s) * s;
    const end = Math.ceil((offset + length) / s) * s;
    this.#check(start, end - start);
    this.bytes.fill(this.geometry.erasedValue, start, end);
    this.lastOp = { offset: start, length: end - start };
    return ((end - start) / s) * this.timing.eraseSectorMs * this.slowdown;
  }

  /**
   * A power cut during an operation on the sector at `offset`: part of it keeps
   * old bytes, part new, part is garbage (`random` gives bytes, seeded by the caller).
   */
  tear(offset: number, random: () => number): void {
    const s = this.geometry.sectorSize;
    const start = Math.floor(offset / s) * s;
    const from = start + Math.floor(random() * s);
    const to = Math.min(start + s, from + 1 + Math.floor(random() * (s / 4)));
    for (let i = from; i < to; i++) this.bytes[i] = Math.floor(random() * 256);
  }

  #check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.geometry.size) {
      throw new FlashError(
        `flash access [${offset}, +${length}) outside the ${this.geometry.size}-byte device`,
      );
    }
  }
}
