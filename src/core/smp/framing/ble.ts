/**
 * SMP over Bluetooth LE (research/protocols.md §3): there is no extra framing.
 * A frame goes out as consecutive ATT writes of at most the write size (the
 * device reassembles them by the header's length when it has
 * CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY), and comes back as notifications of
 * at most ATT_MTU − 3 bytes, reassembled here by the header's length.
 * @module
 */
import { concatBytes } from '../../bytes.ts';
import { SMP_HEADER_SIZE } from '../header.ts';

/** The SMP GATT service and its one characteristic (write without response + notify). */
export const SMP_SERVICE_UUID = '8d53dc1d-1db7-4cd3-868b-8a527460aa84';
export const SMP_CHARACTERISTIC_UUID = 'da2e7828-fbce-4e01-ae9e-261174997c48';

/** Splits a frame into writes of at most `writeSize` bytes; never mixes two frames in one write. */
export function splitIntoWrites(frame: Uint8Array, writeSize: number): Uint8Array[] {
  if (!Number.isInteger(writeSize) || writeSize < SMP_HEADER_SIZE) {
    // Zephyr's reassembly needs the whole header in the first write (smp_reassembly_collect).
    throw new RangeError(
      `a BLE write size must be at least ${SMP_HEADER_SIZE} bytes, not ${writeSize}`,
    );
  }
  const writes: Uint8Array[] = [];
  for (let at = 0; at < frame.length; at += writeSize)
    writes.push(frame.subarray(at, at + writeSize));
  return writes;
}

export interface BleDropCounts {
  /** A partial frame abandoned because no more notifications came for it in time. */
  stale: number;
}

/**
 * Reassembles notifications into frames using the SMP header's length.
 * `push` takes the time (ms, any monotonic clock) so that a partial frame
 * left by a lost notification is dropped after `staleMs` instead of
 * corrupting the next answer.
 */
export class BleReassembler {
  readonly drops: BleDropCounts = { stale: 0 };
  readonly #staleMs: number;
  #parts: Uint8Array[] = [];
  #received = 0;
  #lastAt = 0;

  constructor(options: { staleMs?: number } = {}) {
    this.#staleMs = options.staleMs ?? 2000;
  }

  push(notification: Uint8Array, now: number): Uint8Array[] {
    if (this.#received > 0 && now - this.#lastAt > this.#staleMs) {
      this.drops.stale++;
      this.reset();
    }
    this.#lastAt = now;
    this.#parts.push(notification);
    this.#received += notification.length;
    const frames: Uint8Array[] = [];
    while (this.#received >= SMP_HEADER_SIZE) {
      const buffered =
        this.#parts.length === 1
          ? (this.#parts[0] ?? new Uint8Array())
          : concatBytes(...this.#parts);
      const expected = SMP_HEADER_SIZE + (((buffered[2] ?? 0) << 8) | (buffered[3] ?? 0));
      if (buffered.length < expected) {
        this.#parts = [buffered];
        break;
      }
      frames.push(buffered.slice(0, expected));
      const rest = buffered.subarray(expected);
      this.#parts = rest.length ? [rest] : [];
      this.#received = rest.length;
    }
    return frames;
  }

  /** True while part of a frame is waiting for more notifications. */
  get partial(): boolean {
    return this.#received > 0;
  }

  reset(): void {
    this.#parts = [];
    this.#received = 0;
  }
}
