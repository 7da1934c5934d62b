/// <reference types="vite-plugin-pwa/vanillajs" />
/**
 * The installable, offline app: registers the service worker that
 * vite-plugin-pwa builds (vite.config.ts) and offers a new app version only
 * with the user's consent — and never while a firmware update runs, because
 * applying a version reloads the page and a reload would cut the update off
 * mid-flight.
 *
 * The registration code (virtual:pwa-register and workbox-window) is loaded
 * lazily, so it adds nothing to the first load. Nothing is registered by the
 * dev server, in Node (no `navigator.serviceWorker`), or outside a secure
 * context.
 * @module
 */
import type { RegisterSWOptions } from 'vite-plugin-pwa/types';

export interface PwaState {
  /** The app shell is cached: the app works offline from now on (told once). */
  readonly offlineReady: boolean;
  /** A new app version is ready and waits for "Reload to update". */
  readonly needRefresh: boolean;
  /** A firmware update runs in this page: no prompt, no reload. */
  readonly updateRunning: boolean;
}

/** What `applyUpdate()` did. */
export type ApplyResult =
  | 'reloading'
  /** Refused: a firmware update runs in this page or in another tab of the app. */
  | 'update-running'
  | 'nothing-to-apply';

type RegisterSW = (options: RegisterSWOptions) => (reloadPage?: boolean) => Promise<void>;

/** The part of Web Locks (navigator.locks) used here. */
export interface UpdateLocks {
  query(): Promise<LockManagerSnapshot>;
  request(name: string, options: LockOptions, callback: () => Promise<void>): Promise<unknown>;
}

/** What the controller needs from the browser (replaced by fakes in tests). */
export interface PwaHost {
  /** virtual:pwa-register's registerSW, loaded when registration starts. */
  readonly loadRegisterSW: () => Promise<RegisterSW>;
  readonly reload: () => void;
  /** Calls `listener` once, the next time another worker takes control of this page. */
  readonly onceControllerChange: (listener: () => void) => void;
  /** Web Locks, to see a firmware update running in another tab; absent where unsupported. */
  readonly locks?: UpdateLocks | undefined;
  readonly isOnline: () => boolean;
}

export interface Pwa {
  state(): PwaState;
  /** Calls `listener` on every change; returns the unsubscribe. */
  subscribe(listener: (state: PwaState) => void): () => void;
  /** Starts the service worker (idempotent). Does nothing without a host. */
  register(): void;
  /** Call with true when a firmware update starts and false when it ends, whatever the outcome. */
  setUpdateRunning(running: boolean): void;
  /** Applies the waiting version (the page reloads), unless a firmware update runs. */
  applyUpdate(): Promise<ApplyResult>;
  /** "Later" / "OK": hides the notice. A waiting version is offered again on the next visit. */
  dismiss(): void;
}

/** Held (shared) by every tab whose firmware update runs, so no other tab applies a version meanwhile. */
const UPDATE_LOCK = 'fieldflash-firmware-update';
/** A long-open tab (a shift in the field) still learns of new versions. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

export function createPwa(host: PwaHost | null): Pwa {
  let state: PwaState = { offlineReady: false, needRefresh: false, updateRunning: false };
  const listeners = new Set<(state: PwaState) => void>();
  let registering = false;
  let updateSW: ((reloadPage?: boolean) => Promise<void>) | null = null;
  /** This page asked for the new version, so its taking control means "reload now". */
  let applyRequested = false;
  /** The new version already controls this page (applied here or in another tab): a reload is all that is left. */
  let newVersionActive = false;
  let releaseLock: (() => void) | null = null;
  /** Settles once this page's own lock is given back (Web Locks release asynchronously). */
  let lockReturned: Promise<unknown> = Promise.resolve();

  function set(patch: Partial<PwaState>): void {
    state = { ...state, ...patch };
    for (const listener of listeners) listener(state);
  }

  async function updateRunningElsewhere(): Promise<boolean> {
    if (!host?.locks) return false;
    await lockReturned; // our own, just released, is not "elsewhere"
    try {
      const { held = [], pending = [] } = await host.locks.query();
      return [...held, ...pending].some((lock) => lock.name === UPDATE_LOCK);
    } catch {
      return false;
    }
  }

  function holdLock(locks: UpdateLocks): () => void {
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    lockReturned = locks.request(UPDATE_LOCK, { mode: 'shared' }, () => held).catch(() => {});
    return release;
  }

  return {
    state: () => state,

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    register() {
      if (!host || registering) return;
      registering = true;
      host
        .loadRegisterSW()
        .then((registerSW) => {
          updateSW = registerSW({
            onOfflineReady: () => set({ offlineReady: true }),
            onNeedRefresh: () => set({ needRefresh: true }),
            // Another tab applied the new version and it now controls this
            // page too: never reload on its behalf (an update may run here, or
            // the user is in the middle of something); offer the reload.
            // (This page's own "Reload to update" is handled in applyUpdate.)
            onNeedReload: () => {
              newVersionActive = true;
              if (!applyRequested) set({ needRefresh: true });
            },
            onRegisteredSW: (_url, registration) => {
              if (!registration) return;
              setInterval(() => {
                if (host.isOnline() && !state.updateRunning) registration.update().catch(() => {}); // offline or server down: next time
              }, UPDATE_CHECK_MS);
            },
            onRegisterError: (error: unknown) =>
              console.warn('service worker not registered', error),
          });
        })
        .catch((error: unknown) => console.warn('service worker not registered', error));
    },

    setUpdateRunning(running) {
      if (running === state.updateRunning) return;
      if (running && host?.locks) releaseLock = holdLock(host.locks);
      if (!running) {
        releaseLock?.();
        releaseLock = null;
      }
      set({ updateRunning: running });
    },

    async applyUpdate() {
      if (state.updateRunning || (await updateRunningElsewhere())) return 'update-running';
      if (!state.needRefresh || !host) return 'nothing-to-apply';
      // Checked again: an update may have started while the locks were queried.
      if (state.updateRunning) return 'update-running';
      if (newVersionActive) {
        host.reload();
        return 'reloading';
      }
      applyRequested = true;
      // Not onNeedReload: the plugin calls it only in a page that was already
      // controlled when it registered, which a first visit is not.
      host.onceControllerChange(() => {
        newVersionActive = true;
        if (!state.updateRunning) host.reload();
        else {
          applyRequested = false; // an update started meanwhile: ask again after it
          set({ needRefresh: true });
        }
      });
      // Tells the waiting worker to take over (skipWaiting → controllerchange).
      await updateSW?.();
      return 'reloading';
    },

    dismiss() {
      set({ offlineReady: false, needRefresh: false });
    },
  };
}

function browserHost(): PwaHost | null {
  // Node (vitest), or not a secure context. Under the dev server
  // virtual:pwa-register is the plugin's no-op, so `npm start` never has a
  // service worker serving yesterday's code from a cache; builds always do
  // (whatever NODE_ENV: the e2e tests build under vitest's NODE_ENV=test).
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return null;
  return {
    loadRegisterSW: () => import('virtual:pwa-register').then((m) => m.registerSW),
    reload: () => window.location.reload(),
    onceControllerChange: (listener) =>
      navigator.serviceWorker.addEventListener('controllerchange', listener, { once: true }),
    locks: 'locks' in navigator ? navigator.locks : undefined,
    isOnline: () => navigator.onLine,
  };
}

/** The page's one controller. */
export const pwa: Pwa = createPwa(browserHost());

/** Guard for the update screens: true while a firmware update runs (see Pwa.setUpdateRunning). */
export const setUpdateRunning = (running: boolean): void => pwa.setUpdateRunning(running);
export const applyUpdate = (): Promise<ApplyResult> => pwa.applyUpdate();
