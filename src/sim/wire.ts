/**
 * Time on a simulated wire. Everything here runs on the ordinary timer
 * globals, so that tests and benchmarks run it in virtual time by installing
 * fake timers (vitest's, @sinonjs/fake-timers), and the demo in real time.
 * @module
 */

export const now = (): number => Date.now();

/** A cancellable set of timers: dropping a link or cutting power cancels everything still in flight. */
export class Timers {
  readonly #pending = new Map<ReturnType<typeof setTimeout>, (() => void) | null>();

  at(time: number, fn: () => void): void {
    const handle = setTimeout(
      () => {
        this.#pending.delete(handle);
        fn();
      },
      Math.max(0, time - now()),
    );
    this.#pending.set(handle, null);
  }

  after(ms: number, fn: () => void): void {
    this.at(now() + ms, fn);
  }

  /** Resolves true after `ms`, or false as soon as the timers are cancelled. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const handle = setTimeout(
        () => {
          this.#pending.delete(handle);
          resolve(true);
        },
        Math.max(0, ms),
      );
      this.#pending.set(handle, () => resolve(false));
    });
  }

  cancelAll(): void {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [handle, cancelled] of pending) {
      clearTimeout(handle);
      cancelled?.();
    }
  }

  get size(): number {
    return this.#pending.size;
  }
}

/**
 * Deliveries in one direction, in the order they were scheduled. Timers alone
 * do not guarantee it in a browser: nested timers are clamped to 4 ms (HTML
 * timers §8.6), so a packet scheduled from deep inside a timer chain can fire
 * after a later one scheduled from an event — and a link must never reorder
 * unless a fault says so.
 */
export class InOrder {
  readonly #queue: (() => void)[] = [];

  constructor(private readonly timers: { at(time: number, fn: () => void): void }) {}

  /** Runs `fn` at `time` (ms), after everything scheduled before it. */
  at(time: number, fn: () => void): void {
    this.#queue.push(fn);
    this.timers.at(time, () => {
      // Whatever fires first runs the head; each timer accounts for one entry.
      this.#queue.shift()?.();
    });
  }

  clear(): void {
    this.#queue.length = 0;
  }
}

/** A serial line in one direction: bytes leave one after another at the baud rate. */
export class ByteWire {
  #busyUntil = 0;

  constructor(readonly bytesPerMs: number) {}

  /** When `n` bytes sent now have finished arriving (before latency). */
  schedule(n: number): number {
    const start = Math.max(now(), this.#busyUntil);
    this.#busyUntil = start + n / this.bytesPerMs;
    return this.#busyUntil;
  }
}

/**
 * One direction of a Bluetooth LE connection: link-layer packets go out at
 * connection events every `intervalMs`, at most `perEvent` per event.
 */
export class EventWire {
  #slot = 0;
  #used = 0;

  constructor(
    readonly intervalMs: number,
    readonly perEvent: number,
  ) {}

  /** The connection event that carries the last of `packets` LL packets queued now. */
  schedule(packets = 1): number {
    const next = Math.ceil(now() / this.intervalMs) * this.intervalMs;
    if (next > this.#slot) {
      this.#slot = next;
      this.#used = 0;
    }
    for (let i = 0; i < packets; i++) {
      if (this.#used >= this.perEvent) {
        this.#slot += this.intervalMs;
        this.#used = 0;
      }
      this.#used++;
    }
    return this.#slot;
  }
}
