/**
 * Virtual time for the upload benchmark: @sinonjs/fake-timers drives the
 * timer globals (and Date, performance), which the simulator, transports,
 * client and engine all use, so a minute of link time takes milliseconds.
 * process.hrtime is left alone: it measures the real cost.
 */
import FakeTimers from '@sinonjs/fake-timers';

export interface VirtualTime {
  /** Runs `promise` to the end, jumping from timer to timer. */
  readonly settle: <T>(promise: Promise<T>) => Promise<T>;
  readonly uninstall: () => void;
}

/** Real milliseconds, with sub-millisecond resolution. */
export const wallMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Virtual time an upload may take before the benchmark calls it stuck (an hour). */
const LIMIT_MS = 3_600_000;
/** Real time with no timer pending and the promise unsettled before calling it a deadlock. */
const IDLE_MS = 10_000;

export function installVirtualTime(): VirtualTime {
  const clock = FakeTimers.install({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  return {
    async settle<T>(promise: Promise<T>): Promise<T> {
      let done = false;
      promise.then(
        () => (done = true),
        () => (done = true),
      );
      const start = clock.now;
      let idleSince: number | null = null;
      for (;;) {
        // A real turn first: the promise may be a microtask (or a WebCrypto call) from
        // done, and jumping to the next timer now would run virtual time past it.
        await new Promise((r) => setImmediate(r));
        if (done) break;
        if (clock.now - start > LIMIT_MS) throw new Error(`not settled after ${LIMIT_MS} ms`);
        if (clock.countTimers() === 0) {
          idleSince ??= wallMs();
          if (wallMs() - idleSince > IDLE_MS) throw new Error('deadlock: nothing pending');
          continue;
        }
        idleSince = null;
        // Synchronously: the real turn at the top of the loop runs what the timer set off
        // (nextAsync would spend two more real turns per timer, the bulk of a fast upload).
        clock.next();
      }
      return promise;
    },
    uninstall: () => clock.uninstall(),
  };
}
