/**
 * What every transport shares: the frames stream, the `closed` promise that
 * settles once, and a queue that sends frames one at a time in order (a frame's
 * lines or writes must never interleave with another's).
 * @module
 */
import type { CloseReason } from './types.ts';

/** Settles a `closed` promise once, with the first reason. */
class Closer {
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

/** The frames side: a ReadableStream fed by the receive path, ended once on close. */
class FrameQueue {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #done = false;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
    });
  }

  push(frame: Uint8Array): void {
    if (!this.#done) this.#controller.enqueue(frame);
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller.close();
  }
}

export abstract class BaseTransport {
  readonly #queue = new FrameQueue();
  readonly #closer = new Closer();
  #tail: Promise<void> = Promise.resolve();

  get frames(): ReadableStream<Uint8Array> {
    return this.#queue.stream;
  }

  get closed(): Promise<CloseReason> {
    return this.#closer.closed;
  }

  /** The reason, once closed. */
  protected get closeReason(): CloseReason | null {
    return this.#closer.reason;
  }

  /** Hands a received frame to the reader. */
  protected deliver(frame: Uint8Array): void {
    this.#queue.push(frame);
  }

  /** Closes once: settles `closed`, ends the frames stream; true the first time. Subclasses add their cleanup. */
  protected shut(reason: CloseReason): boolean {
    if (!this.#closer.close(reason)) return false;
    this.#queue.end();
    return true;
  }

  /** Runs `task` after every earlier one has finished (successfully or not). */
  protected inOrder(task: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
