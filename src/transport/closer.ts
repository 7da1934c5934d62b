/**
 * Settles a transport's `closed` promise once, with the first reason.
 * @module
 */
import type { CloseReason } from './types.ts';

export class Closer {
  readonly closed: Promise<CloseReason>;
  #resolve!: (reason: CloseReason) => void;
  #reason: CloseReason | null = null;

  constructor() {
    this.closed = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** The reason, once closed. */
  get reason(): CloseReason | null {
    return this.#reason;
  }

  /** Returns true the first time only. */
  close(reason: CloseReason): boolean {
    if (this.#reason) return false;
    this.#reason = reason;
    this.#resolve(reason);
    return true;
  }
}
