/**
 * The whole update in real Chromium over Web Bluetooth: Chromium's own Web
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

    it('connect, verify, update, test, reset, confirm — through Chromium’s Web Bluetooth', async () => {
      const { page } = await start();
      await page.getByRole('button', { name: 'Connect over Bluetooth' }).click();
      const device = page.getByRole('status', { name: 'Device status' });
      await expect
        .poll(() => device.innerText(), { timeout: 30_000 })
        .toMatch(/0\.9\.0 · active, confirmed/);
      expect(await device.innerText()).toMatch(/fieldflash-demo \(Bluetooth\)/);
      await page.getByRole('button', { name: 'Try the demo sample' }).click();
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
      await expect
        .poll(() => page.getByRole('status', { name: 'Update status' }).innerText(), {
          timeout: 90_000,
        })
        .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
      // Every byte went through Chromium's stack in writes of at most MTU − 3; the only
      // larger ones were the link negotiation's probes (512, 495), lost as on a real link.
      expect(bridge?.peripheral.writes).toBeGreaterThan(100);
      expect(bridge?.peripheral.oversizedWrites).toBeGreaterThan(0);
      expect(bridge?.peripheral.wrongWriteType).toBe(0);
    });
  },
);
