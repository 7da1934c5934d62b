/**
 * How many upload requests may be in flight: a window that starts small,
 * grows by one for each window's worth of answers (additive increase), is
 * halved when a request is lost or refused (multiplicative decrease), and
 * never exceeds what the device can buffer — nor, after a loss, the size at
 * which it happened: on a UART with two line buffers any second frame in
 * flight is lost while the device is busy, and probing again would cost a
 * timeout each time.
 * @module
 */

export interface WindowOptions {
  /** The most requests the device can hold at once (its buffers less the one the answer needs). */
  readonly cap: number;
  /** Where to start (default 1: the first chunk may erase for seconds). */
  readonly initial?: number;
}

export class UploadWindow {
  readonly cap: number;
  #size: number;
  #acked = 0;
  #ceiling: number;

  constructor(options: WindowOptions) {
    this.cap = Math.max(1, Math.floor(options.cap));
    this.#size = Math.min(this.cap, Math.max(1, Math.floor(options.initial ?? 1)));
    this.#ceiling = this.cap;
  }

  /** The largest size the window may grow to now (below the size of the last loss). */
  get ceiling(): number {
    return this.#ceiling;
  }

  get size(): number {
    return this.#size;
  }

  /** An answer arrived in time. */
  acked(): void {
    if (++this.#acked >= this.#size) {
      this.#acked = 0;
      this.#size = Math.min(this.#ceiling, this.#size + 1);
    }
  }

  /** The frames changed size (smaller): the ceiling learnt for the old size no longer holds. */
  reopen(): void {
    this.#ceiling = this.cap;
  }

  /** A request was lost (timeout) or refused for lack of room (busy). */
  lost(): void {
    this.#acked = 0;
    this.#ceiling = Math.max(1, Math.min(this.#ceiling, this.#size - 1));
    this.#size = Math.max(1, Math.floor(this.#size / 2));
  }
}
