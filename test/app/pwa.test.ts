/**
 * The app-version guard of app/pwa.ts with a fake service worker registration:
 * a new version is applied only on the user's word, and never while a firmware
 * update runs here or in another tab (the reload would cut it off).
 */
import type { RegisterSWOptions } from 'vite-plugin-pwa/types';
import { describe, expect, it, vi } from 'vitest';
import { createPwa, pwa, type PwaHost, type UpdateLocks } from '../../src/app/pwa.ts';

/** Web Locks across "tabs": every fake shares one table of held locks. */
function fakeLocks(table: Map<string, number>): UpdateLocks {
  return {
    query: () =>
      Promise.resolve({
        held: [...table]
          .filter(([, n]) => n > 0)
          .map(([name]) => ({ name, mode: 'shared' as const })),
        pending: [],
      }),
    async request(name, _options, callback) {
      table.set(name, (table.get(name) ?? 0) + 1);
      try {
        return await callback();
      } finally {
        table.set(name, (table.get(name) ?? 1) - 1);
      }
    },
  };
}

function setup(table = new Map<string, number>()) {
  let options: RegisterSWOptions = {};
  const updateSW = vi.fn(() => Promise.resolve());
  const controllerChange: (() => void)[] = [];
  const host = {
    onceControllerChange: (listener: () => void) => controllerChange.push(listener),
    loadRegisterSW: () =>
      Promise.resolve((o: RegisterSWOptions) => {
        options = o;
        return updateSW;
      }),
    reload: vi.fn(),
    locks: fakeLocks(table),
    isOnline: () => true,
  } satisfies PwaHost;
  const controller = createPwa(host);
  const states: boolean[] = [];
  controller.subscribe((s) => states.push(s.needRefresh));
  controller.register();
  const sw = async () => {
    await vi.waitFor(() => expect(options.onNeedRefresh).toBeDefined());
    return options;
  };
  /** The waiting worker took control (skipWaiting + clientsClaim), as after updateSW(). */
  const takeOver = () => controllerChange.splice(0).forEach((listener) => listener());
  return { controller, host, updateSW, sw, states, takeOver };
}

describe('app/pwa', () => {
  it('offers a waiting version and applies it only when asked', async () => {
    const { controller, host, updateSW, sw, takeOver } = setup();
    const events = await sw();
    events.onOfflineReady?.();
    expect(controller.state()).toMatchObject({ offlineReady: true, needRefresh: false });
    events.onNeedRefresh?.();
    expect(controller.state().needRefresh).toBe(true);
    expect(host.reload).not.toHaveBeenCalled();

    expect(await controller.applyUpdate()).toBe('reloading');
    expect(updateSW).toHaveBeenCalledOnce();
    takeOver();
    events.onNeedReload?.(); // the plugin's own signal, in a page controlled since it loaded
    expect(host.reload).toHaveBeenCalledOnce();
  });

  it('an update that starts between "Reload to update" and the takeover is not cut off', async () => {
    const { controller, host, sw, takeOver } = setup();
    (await sw()).onNeedRefresh?.();
    expect(await controller.applyUpdate()).toBe('reloading');
    controller.setUpdateRunning(true);
    takeOver();
    expect(host.reload).not.toHaveBeenCalled();
    controller.setUpdateRunning(false);
    expect(controller.state().needRefresh).toBe(true);
    expect(await controller.applyUpdate()).toBe('reloading');
    expect(host.reload).toHaveBeenCalledOnce();
  });

  it('"Later" hides the prompt and applies nothing', async () => {
    const { controller, host, updateSW, sw } = setup();
    (await sw()).onNeedRefresh?.();
    controller.dismiss();
    expect(controller.state()).toMatchObject({ offlineReady: false, needRefresh: false });
    expect(await controller.applyUpdate()).toBe('nothing-to-apply');
    expect(updateSW).not.toHaveBeenCalled();
    expect(host.reload).not.toHaveBeenCalled();
  });

  it('refuses while a firmware update runs, then applies once it has ended', async () => {
    const { controller, host, updateSW, sw } = setup();
    (await sw()).onNeedRefresh?.();
    controller.setUpdateRunning(true);
    expect(controller.state().updateRunning).toBe(true);
    expect(await controller.applyUpdate()).toBe('update-running');
    expect(updateSW).not.toHaveBeenCalled();
    controller.setUpdateRunning(false);
    expect(await controller.applyUpdate()).toBe('reloading');
    expect(updateSW).toHaveBeenCalledOnce();
    expect(host.reload).not.toHaveBeenCalled(); // not before the new worker controls the page
  });

  it('never reloads mid-update when another tab applied the version', async () => {
    const { controller, host, sw } = setup();
    const events = await sw();
    events.onNeedRefresh?.();
    controller.setUpdateRunning(true);
    events.onNeedReload?.(); // another tab said "Reload to update"
    expect(host.reload).not.toHaveBeenCalled();
    controller.setUpdateRunning(false);
    expect(controller.state().needRefresh).toBe(true);
    expect(await controller.applyUpdate()).toBe('reloading');
    expect(host.reload).toHaveBeenCalledOnce();
  });

  it('refuses while a firmware update runs in another tab (Web Locks)', async () => {
    const table = new Map<string, number>();
    const updating = setup(table);
    const idle = setup(table);
    (await idle.sw()).onNeedRefresh?.();
    updating.controller.setUpdateRunning(true);
    await vi.waitFor(async () =>
      expect(await idle.controller.applyUpdate()).toBe('update-running'),
    );
    expect(idle.updateSW).not.toHaveBeenCalled();
    updating.controller.setUpdateRunning(false);
    await vi.waitFor(async () => expect(await idle.controller.applyUpdate()).toBe('reloading'));
  });

  it('registers nothing outside a production browser (here: vitest in Node)', async () => {
    pwa.register();
    pwa.setUpdateRunning(true);
    expect(await pwa.applyUpdate()).toBe('update-running');
    pwa.setUpdateRunning(false);
    expect(await pwa.applyUpdate()).toBe('nothing-to-apply');
  });
});
