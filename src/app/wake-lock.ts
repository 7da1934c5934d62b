/**
 * Keeps the screen on while a firmware update runs (Screen Wake Lock API).
 *
 * The browser drops a screen wake lock whenever the page is hidden (tab
 * switched, phone locked: W3C Screen Wake Lock API, "release wake lock" on
 * visibility change), so the hold asks again each time the page becomes
 * visible. Absence (Firefox < 126, Safari < 16.4, iOS Home Screen apps before
 * 18.4: MDN browser-compat-data WakeLock.json) and refusal (NotAllowedError:
 * battery saver, a Permissions-Policy, a hidden page) never throw: the hold
 * reports `held: false` and why. After `release()` no listener is left behind.
 *
 * The environment is injectable; `browserWakeLockEnv()` reads the real one
 * (app/ is the layer that may touch `document` and `navigator`).
 * @module
 */

/** `WakeLockSentinel` as far as it is used here. */
export interface WakeLockSentinelLike {
  readonly released: boolean;
  release(): Promise<void>;
  addEventListener(type: 'release', listener: () => void): void;
  removeEventListener(type: 'release', listener: () => void): void;
}

/** `navigator.wakeLock` as far as it is used here. */
export interface WakeLockLike {
  request(type: 'screen'): Promise<WakeLockSentinelLike>;
}

/** `document` as far as it is used here. */
export interface VisibilityLike {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface WakeLockEnv {
  readonly document: VisibilityLike;
  /** `navigator.wakeLock`, or undefined where the browser has none. */
  readonly wakeLock: WakeLockLike | undefined;
}

/** Why the screen is not being kept on right now. */
export type WakeLockGap =
  /** The browser has no Screen Wake Lock API. */
  | 'unsupported'
  /** The page is hidden; the lock is asked for again when it is visible. */
  | 'hidden'
  /** The browser said no (battery saver, policy); asked again on the next return to the page. */
  | 'refused'
  /** `release()` was called. */
  | 'released';

export interface WakeLockState {
  readonly held: boolean;
  /** Null while held (or while the first request is on its way). */
  readonly gap: WakeLockGap | null;
  /** The browser's words when it refused. */
  readonly detail?: string | undefined;
}

export interface WakeLockHold extends WakeLockState {
  /** Settles once the first request has been answered (never rejects). */
  readonly ready: Promise<void>;
  /** Lets the screen sleep again and removes every listener; safe to call twice. */
  release(): Promise<void>;
}

export interface WakeLockOptions {
  /** Called on every change of `held` / `gap` (e.g. to show "screen kept on"). */
  readonly onChange?: ((state: WakeLockState) => void) | undefined;
}

/** The page's own document and `navigator.wakeLock`. */
export function browserWakeLockEnv(): WakeLockEnv {
  const nav: Navigator & { wakeLock?: WakeLockLike } = navigator;
  return { document, wakeLock: nav.wakeLock };
}

/** Asks for a screen wake lock now and keeps asking whenever the page comes back. */
export function holdWakeLock(
  env: WakeLockEnv = browserWakeLockEnv(),
  options: WakeLockOptions = {},
): WakeLockHold {
  const { document: doc, wakeLock } = env;
  let sentinel: WakeLockSentinelLike | null = null;
  let pending: Promise<void> | null = null;
  let state: WakeLockState = { held: false, gap: null };
  let released = false;

  const set = (next: WakeLockState) => {
    if (next.held === state.held && next.gap === state.gap && next.detail === state.detail) return;
    state = next;
    options.onChange?.(state);
  };

  // The system let go (page hidden, battery low): note it; `onVisible` asks again.
  const onSystemRelease = () => {
    sentinel?.removeEventListener('release', onSystemRelease);
    sentinel = null;
    if (!released)
      set({ held: false, gap: doc.visibilityState === 'visible' ? 'refused' : 'hidden' });
  };

  const acquire = (): Promise<void> => {
    if (!wakeLock) {
      set({ held: false, gap: 'unsupported' });
      return Promise.resolve();
    }
    if (released || sentinel || pending) return pending ?? Promise.resolve();
    if (doc.visibilityState !== 'visible') {
      set({ held: false, gap: 'hidden' });
      return Promise.resolve();
    }
    pending = (async () => {
      try {
        const got = await wakeLock.request('screen');
        if (released) {
          await got.release().catch(() => undefined);
          return;
        }
        if (got.released) {
          set({ held: false, gap: doc.visibilityState === 'visible' ? 'refused' : 'hidden' });
          return;
        }
        sentinel = got;
        got.addEventListener('release', onSystemRelease);
        set({ held: true, gap: null });
      } catch (e) {
        if (!released) {
          const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          const gap = doc.visibilityState === 'visible' ? 'refused' : 'hidden';
          set({ held: false, gap, detail });
        }
      } finally {
        pending = null;
      }
    })();
    return pending;
  };

  const onVisible = () => {
    if (doc.visibilityState === 'visible') void acquire();
    else if (!sentinel) set({ held: false, gap: 'hidden' });
  };

  if (wakeLock) doc.addEventListener('visibilitychange', onVisible);
  const ready = acquire();

  return {
    get held() {
      return state.held;
    },
    get gap() {
      return state.gap;
    },
    get detail() {
      return state.detail;
    },
    ready,
    async release() {
      if (released) return;
      released = true;
      if (wakeLock) doc.removeEventListener('visibilitychange', onVisible);
      const s = sentinel;
      sentinel = null;
      if (s) {
        s.removeEventListener('release', onSystemRelease);
        if (!s.released) await s.release().catch(() => undefined);
      }
      set({ held: false, gap: 'released' });
      // A request still on its way is released when it lands (see acquire).
      await pending?.catch(() => undefined);
    },
  };
}
