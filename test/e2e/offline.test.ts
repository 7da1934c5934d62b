/**
 * The installable, offline app in real Chromium: the built app's service
 * worker (vite-plugin-pwa / Workbox) precaches the whole app, so after one
 * visit a reload with the network cut still renders the app and checks the
 * bundled demo sample; the manifest parses with its install icons; and a new
 * app version waits for "Reload to update" (registerType 'prompt').
 * Recipes: ../shared/research/browser-testing.md §3.
 */
import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, hasChromium, launchChromium, serveStatic } from '../helpers/browser.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.mjs';

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}

/** Width and height from a PNG's IHDR chunk, or null if these are not PNG bytes. */
function pngSize(bytes: Buffer): [number, number] | null {
  const signature = '89504e470d0a1a0a';
  if (bytes.subarray(0, 8).toString('hex') !== signature) return null;
  if (bytes.subarray(12, 16).toString('latin1') !== 'IHDR') return null;
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe.skipIf(!hasChromium)('installable, offline app in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dir = await buildApp();
    server = await serveStatic(dir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    await context?.close();
  });

  const appUpdate = () => page.getByRole('status', { name: 'App update' });

  /** A fresh profile's first visit, online, until the service worker controls the page. */
  async function firstVisit(within?: BrowserContext): Promise<void> {
    context = within ?? (await browser.newContext());
    page = await context.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(server.url);
    // Controlled (clientsClaim) and installed, i.e. the precache is complete:
    // the page says so with its offline-ready notice.
    await page
      .waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 })
      .catch((e: unknown) => {
        throw new Error(
          'no service worker took control: the page registers it when <AppUpdatePrompt /> mounts',
          { cause: e },
        );
      });
    await expect.poll(() => appUpdate().innerText()).toMatch(/works offline/);
  }

  it('links a web manifest that Chromium parses, with 192 and 512 px icons and a maskable one', async () => {
    // A real profile on disk: in an incognito-like context Chromium never offers installing.
    const profile = mkdtempSync(join(tmpdir(), 'ff-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS],
    });
    await firstVisit(context);
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toMatch(/manifest\.webmanifest$/);

    const cdp = await context.newCDPSession(page);
    const { url, errors, data } = await cdp.send('Page.getAppManifest', {});
    expect(errors).toEqual([]);
    const manifest = JSON.parse(data ?? '') as {
      name: string;
      icons: ManifestIcon[];
    } & Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: 'fieldflash',
      short_name: 'fieldflash',
      display: 'standalone',
      start_url: '.',
      scope: '.',
      theme_color: '#0f5132',
      background_color: '#f8f9fa',
    });

    const pngs = manifest.icons.filter((i) => i.type === 'image/png');
    expect(pngs.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`).sort()).toEqual([
      '192x192 any',
      '512x512 any',
      '512x512 maskable',
    ]);
    for (const icon of pngs) {
      const response = await context.request.get(new URL(icon.src, url).href);
      expect(response.ok()).toBe(true);
      expect(pngSize(await response.body())?.join('x')).toBe(icon.sizes);
    }

    // What Chromium itself checks before it offers "Install app".
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  });

  it('reloads with the network cut: served by the service worker, the app renders and checks the demo sample', async () => {
    await firstVisit();
    await context.setOffline(true);
    const response = await page.reload();
    expect(response?.fromServiceWorker()).toBe(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);

    await expect
      .poll(() => page.getByRole('heading', { name: 'fieldflash' }).isVisible())
      .toBe(true);
    await expect
      .poll(() => page.getByRole('region', { name: 'Firmware image' }).isVisible())
      .toBe(true);
    expect(await page.getByLabel('Choose firmware image').isEnabled()).toBe(true);

    await page.getByRole('button', { name: 'Try the demo sample' }).click();
    await expect
      .poll(() => page.getByRole('status', { name: 'Verification result' }).innerText())
      .toMatch(/Genuine firmware\s+demo-app-1\.0\.0\.bin/);

    // Every chunk the build made, the lazily loaded ones too (demo device,
    // crypto), is in the cache, so no later screen needs the network.
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) {
          urls.push(new URL(request.url).pathname);
        }
      }
      return urls;
    });
    const built = readdirSync(join(dir, 'assets'))
      .filter((f) => /\.(js|css)$/.test(f))
      .map((f) => `/assets/${f}`);
    expect(built.length).toBeGreaterThan(2);
    for (const path of [...built, '/index.html', '/samples/demo-app-1.0.0.bin']) {
      expect(cached, path).toContain(path);
    }
  });

  it('without the service worker the same offline load fails (the control)', async () => {
    context = await browser.newContext({ serviceWorkers: 'block' });
    page = await context.newPage();
    await page.goto(server.url);
    await context.setOffline(true);
    await expect(page.reload()).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
  });

  it('offers a new app version and applies it only on "Reload to update"', async () => {
    await firstVisit();
    await appUpdate().getByRole('button', { name: 'OK' }).click();
    await expect.poll(() => appUpdate().innerText()).toBe('');
    await page.reload(); // a returning visit: the page is controlled from its start
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    const waiting = () =>
      page.evaluate(async () => {
        const r = await navigator.serviceWorker.getRegistration();
        return r?.waiting?.state ?? null;
      });

    // Deploy a new version (any byte change of sw.js makes one) and let the
    // page find it, as the browser does on navigation and pwa.ts every hour.
    appendFileSync(join(dir, 'sw.js'), '\n// next version\n');
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    await expect.poll(() => appUpdate().innerText()).toMatch(/new version of fieldflash is ready/);
    expect(await waiting()).toBe('installed'); // installed, waiting for consent

    // "Later": nothing is applied and the page keeps running.
    await appUpdate().getByRole('button', { name: 'Later' }).click();
    await expect.poll(() => appUpdate().innerText()).toBe('');
    expect(await waiting()).toBe('installed');
    expect(await page.evaluate(() => 'notReloaded' in window)).toBe(true);

    // A reload alone does not apply it either; the offer comes back.
    await page.reload();
    await expect.poll(() => appUpdate().innerText()).toMatch(/new version/);
    expect(await waiting()).toBe('installed');
    const oldWorker = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);

    // Consent: the waiting worker takes over and the page reloads into it.
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    await Promise.all([
      page.waitForEvent('load'),
      appUpdate().getByRole('button', { name: 'Reload to update' }).click(),
    ]);
    expect(await page.evaluate(() => 'notReloaded' in window)).toBe(false);
    expect(await waiting()).toBe(null);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(
      oldWorker,
    );
    await expect
      .poll(() => page.getByRole('heading', { name: 'fieldflash' }).isVisible())
      .toBe(true);
    expect(await appUpdate().innerText()).toBe('');
  });
  it('a new app version waiting is not offered while a firmware update runs, and is offered again after it', async () => {
    await firstVisit();
    await appUpdate().getByRole('button', { name: 'OK' }).click();
    await page.reload();
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    appendFileSync(join(dir, 'sw.js'), '\n// another version\n');
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    await expect.poll(() => appUpdate().innerText()).toMatch(/new version of fieldflash is ready/);

    await page.getByRole('button', { name: 'Connect to the demo device over Bluetooth' }).click();
    await expect
      .poll(() => page.getByRole('status', { name: 'Device status' }).innerText(), {
        timeout: 15_000,
      })
      .toMatch(/Slot 0/);
    await page.getByRole('button', { name: 'Try the demo sample' }).click();
    await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
    // While it runs: the offer is gone (nothing to press), the page is not reloaded.
    await expect
      .poll(() => page.getByRole('button', { name: 'Cancel update' }).count(), { interval: 10 })
      .toBe(1);
    expect(await appUpdate().innerText()).toBe('');
    expect(await page.getByRole('button', { name: 'Reload to update' }).count()).toBe(0);
    await expect
      .poll(() => page.getByRole('status', { name: 'Update status' }).innerText(), {
        timeout: 60_000,
      })
      .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
    expect(await page.evaluate(() => 'notReloaded' in window)).toBe(true);
    // Afterwards the offer is back, for the user to take when it suits.
    await expect.poll(() => appUpdate().innerText()).toMatch(/new version of fieldflash is ready/);
  });
});
