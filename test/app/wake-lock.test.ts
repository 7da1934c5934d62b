import { describe, expect, it } from 'vitest';
import {
  holdWakeLock,
  type VisibilityLike,
  type WakeLockLike,
  type WakeLockSentinelLike,
  type WakeLockState,
} from '../../src/app/wake-lock.ts';

/** A document whose visibility the test flips, counting its listeners. */
class FakeDocument implements VisibilityLike {
  visibilityState: DocumentVisibilityState = 'visible';
  readonly listeners = new Set<() => void>();
  addEventListener(_type: 'visibilitychange', listener: () => void) {
    this.listeners.add(listener);
  }
  removeEventListener(_type: 'visibilitychange', listener: () => void) {
    this.listeners.delete(listener);
  }
  set(state: DocumentVisibilityState) {
    this.visibilityState = state;
    for (const l of [...this.listeners]) l();
  }
}

class FakeSentinel implements WakeLockSentinelLike {
  released = false;
  readonly listeners = new Set<() => void>();
  addEventListener(_type: 'release', listener: () => void) {
    this.listeners.add(listener);
  }
  removeEventListener(_type: 'release', listener: () => void) {
    this.listeners.delete(listener);
  }
  release(): Promise<void> {
    if (!this.released) {
      this.released = true;
      for (const l of [...this.listeners]) l();
    }
    return Promise.resolve();
  }
}

/** `navigator.wakeLock` that behaves as the spec says: no lock for a hidden page, and drops it on hide. */
class FakeWakeLock implements WakeLockLike {
  readonly sentinels: FakeSentinel[] = [];
  refuse: Error | null = null;
  constructor(private readonly doc: FakeDocument) {
    doc.addEventListener('visibilitychange', () => {
      if (doc.visibilityState === 'hidden') for (const s of this.sentinels) void s.release();
    });
  }
  request(_type: 'screen'): Promise<WakeLockSentinelLike> {
    if (this.refuse) return Promise.reject(this.refuse);
    if (this.doc.visibilityState !== 'visible') {
      return Promise.reject(new DOMException('The document is hidden.', 'NotAllowedError'));
    }
    const s = new FakeSentinel();
    this.sentinels.push(s);
    return Promise.resolve(s);
  }
  get active() {
    return this.sentinels.filter((s) => !s.released).length;
  }
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function setup() {
  const doc = new FakeDocument();
  const wakeLock = new FakeWakeLock(doc);
  // The fake wake lock's own hide listener is part of the "browser", not of the hold.
  const browserListeners = doc.listeners.size;
  const changes: WakeLockState[] = [];
  const hold = holdWakeLock(
    { document: doc, wakeLock },
    { onChange: (s) => changes.push({ ...s }) },
  );
  return { doc, wakeLock, hold, changes, browserListeners };
}

describe('holdWakeLock', () => {
  it('acquires a screen wake lock at once', async () => {
    const { wakeLock, hold, changes } = setup();
    await hold.ready;
    expect(hold.held).toBe(true);
    expect(hold.gap).toBeNull();
    expect(wakeLock.active).toBe(1);
    expect(changes.at(-1)).toMatchObject({ held: true, gap: null });
  });

  it('released by the system when hidden, acquired again when visible', async () => {
    const { doc, wakeLock, hold } = setup();
    await hold.ready;

    doc.set('hidden');
    await flush();
    expect(hold.held).toBe(false);
    expect(hold.gap).toBe('hidden');
    expect(wakeLock.active).toBe(0);

    doc.set('visible');
    await flush();
    expect(hold.held).toBe(true);
    expect(wakeLock.sentinels).toHaveLength(2);
    expect(wakeLock.active).toBe(1);

    // And again: every return to the page re-acquires, one lock at a time.
    doc.set('hidden');
    doc.set('visible');
    doc.set('visible');
    await flush();
    expect(wakeLock.active).toBe(1);
    expect(hold.held).toBe(true);
    await hold.release();
  });

  it('release() lets go of the lock and leaves no listener behind', async () => {
    const { doc, wakeLock, hold, browserListeners } = setup();
    await hold.ready;
    expect(doc.listeners.size).toBe(browserListeners + 1);
    const sentinel = wakeLock.sentinels[0];
    expect(sentinel?.listeners.size).toBe(1);

    await hold.release();
    expect(hold.held).toBe(false);
    expect(hold.gap).toBe('released');
    expect(wakeLock.active).toBe(0);
    expect(doc.listeners.size).toBe(browserListeners);
    expect(sentinel?.listeners.size).toBe(0);

    // Coming back to the page asks for nothing any more; a second release is harmless.
    doc.set('hidden');
    doc.set('visible');
    await flush();
    expect(wakeLock.sentinels).toHaveLength(1);
    await hold.release();
  });

  it('release() while the first request is on its way releases what arrives', async () => {
    const doc = new FakeDocument();
    let resolve: (s: WakeLockSentinelLike) => void = () => undefined;
    const sentinel = new FakeSentinel();
    const slow: WakeLockLike = {
      request: () =>
        new Promise<WakeLockSentinelLike>((r) => {
          resolve = r;
        }),
    };
    const hold = holdWakeLock({ document: doc, wakeLock: slow });
    const released = hold.release();
    resolve(sentinel);
    await released;
    await hold.ready;
    expect(sentinel.released).toBe(true);
    expect(hold.held).toBe(false);
    expect(doc.listeners.size).toBe(0);
  });

  it('unsupported browser: no throw, held false, says why, adds no listener', async () => {
    const doc = new FakeDocument();
    const hold = holdWakeLock({ document: doc, wakeLock: undefined });
    await hold.ready;
    expect(hold.held).toBe(false);
    expect(hold.gap).toBe('unsupported');
    expect(doc.listeners.size).toBe(0);
    await expect(hold.release()).resolves.toBeUndefined();
  });

  it('refused (battery saver, policy): no throw, reason and detail; tried again on return', async () => {
    const { doc, wakeLock, hold } = setup();
    await hold.release();

    wakeLock.refuse = new DOMException('Wake lock denied', 'NotAllowedError');
    const refused = holdWakeLock({ document: doc, wakeLock });
    await refused.ready;
    expect(refused.held).toBe(false);
    expect(refused.gap).toBe('refused');
    expect(refused.detail).toBe('NotAllowedError: Wake lock denied');

    wakeLock.refuse = null;
    doc.set('hidden');
    doc.set('visible');
    await flush();
    expect(refused.held).toBe(true);
    await refused.release();
  });

  it('started while the page is hidden: waits, then acquires when visible', async () => {
    const doc = new FakeDocument();
    doc.visibilityState = 'hidden';
    const wakeLock = new FakeWakeLock(doc);
    const hold = holdWakeLock({ document: doc, wakeLock });
    await hold.ready;
    expect(hold.gap).toBe('hidden');
    expect(wakeLock.sentinels).toHaveLength(0);
    doc.set('visible');
    await flush();
    expect(hold.held).toBe(true);
    await hold.release();
  });
});
