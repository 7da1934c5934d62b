/**
 * (Its own file: a second bridged test in one file could not connect, for a
 * reason not yet found — each file gets a fresh worker.) A dropped link in
 * the middle of an update over Web Bluetooth in real Chromium: Chromium's own Web
 * Bluetooth stack (CDP BluetoothEmulation, MTU enforced) bridged write by
 * write to the simulator's Bluetooth link model running in Node in real
 * time — so the device's reassembly, buffers, flash, reset and MCUboot swap
 * are the simulator's, and a reboot drops Chromium's link as a real one would.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLE_CHROMIUM_FLAGS, startBridgedBle, type BridgedBle } from '../helpers/ble-bridge.ts';
import { buildApp, hasChromium, serveStatic } from '../helpers/browser.ts';
import { CHROMIUM } from '../helpers/chromium.mjs';

describe.skipIf(!hasChromium)(
  'update over Web Bluetooth in Chromium (simulator behind CDP)',
  () => {
    let browser: Browser;
    let server: Awaited<ReturnType<typeof serveStatic>>;
    let bridge: BridgedBle | undefined;

    beforeAll(async () => {
      server = await serveStatic(await buildApp());
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: BLE_CHROMIUM_FLAGS,
      });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });
    afterEach(async () => {
      await bridge?.close();
      bridge = undefined;
    });

    async function start() {
      bridge = await startBridgedBle(browser, server.url);
      return bridge;
    }

    it('the link dropped mid-upload: it reconnects and resumes from the device’s offset', async () => {
      const { page, sim: device } = await start();
      await page.getByRole('button', { name: 'Connect over Bluetooth' }).click();
      await expect
        .poll(() => page.getByRole('status', { name: 'Device status' }).innerText(), {
          timeout: 30_000,
        })
        .toMatch(/0\.9\.0 · active, confirmed/);
      await page.getByRole('button', { name: 'Try the demo sample' }).click();
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
      const bar = page.getByRole('progressbar', { name: 'Upload progress' });
      await expect
        .poll(async () => Number((await bar.count()) ? await bar.getAttribute('value') : 0), {
          timeout: 30_000,
          interval: 20,
        })
        .toBeGreaterThan(6000);
      device.disconnect('link dropped by the test');
      const status = page.getByRole('status', { name: 'Update status' });
      await expect
        .poll(() => status.innerText(), { timeout: 30_000, interval: 20 })
        .toMatch(/resuming at byte \d{4,} of \d+/);
      await expect
        .poll(() => status.innerText(), { timeout: 90_000 })
        .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
    });
  },
);
