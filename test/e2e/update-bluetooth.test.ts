/**
 * The update in real Chromium over Web Bluetooth: Chromium's own Web
 * Bluetooth stack (CDP BluetoothEmulation, MTU enforced) bridged write by
 * write to the simulator's Bluetooth link model running in Node in real
 * time — so the device's reassembly, buffers, flash, reset and MCUboot swap
 * are the simulator's, and a reboot drops Chromium's link as a real one would.
 * A whole update; the link dropped mid-upload (resumes); the device rebooted
 * mid-upload (starts over cleanly).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLE_CHROMIUM_FLAGS, startBridgedBle, type BridgedBle } from '../helpers/ble-bridge.ts';
import { buildApp, hasChromium, serveStatic } from '../helpers/browser.ts';
import { CHROMIUM } from '../helpers/chromium.mjs';

describe.skipIf(!hasChromium)(
  'update over Web Bluetooth in Chromium (simulator behind CDP)',
  () => {
    let server: Awaited<ReturnType<typeof serveStatic>>;
    let browser: Browser | undefined;
    let bridge: BridgedBle | undefined;

    beforeAll(async () => {
      server = await serveStatic(await buildApp());
    });
    afterAll(async () => {
      await server?.close();
    });
    afterEach(async () => {
      await bridge?.close();
      await browser?.close();
      bridge = undefined;
      browser = undefined;
    });

    // A browser per test: Chromium's Bluetooth emulation is browser-wide, and a
    // second emulated peripheral in the same browser never connected.
    async function start(): Promise<BridgedBle> {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: BLE_CHROMIUM_FLAGS,
      });
      bridge = await startBridgedBle(browser, server.url);
      return bridge;
    }

    async function connectAndStart(page: Page): Promise<void> {
      await page.getByRole('button', { name: 'Connect over Bluetooth' }).click();
      const device = page.getByRole('status', { name: 'Device status' });
      await expect
        .poll(() => device.innerText(), { timeout: 30_000 })
        .toMatch(/0\.9\.0 · active, confirmed/);
      expect(await device.innerText()).toMatch(/fieldflash-demo \(Bluetooth\)/);
      await page.getByRole('button', { name: 'Try the demo sample' }).click();
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
    }

    const status = (page: Page) => page.getByRole('status', { name: 'Update status' });

    async function uploadPast(page: Page, bytes: number): Promise<void> {
      const bar = page.getByRole('progressbar', { name: 'Upload progress' });
      await expect
        .poll(async () => Number((await bar.count()) ? await bar.getAttribute('value') : 0), {
          timeout: 30_000,
          interval: 20,
        })
        .toBeGreaterThan(bytes);
    }

    async function expectUpdated(page: Page): Promise<void> {
      await expect
        .poll(() => status(page).innerText(), { timeout: 90_000 })
        .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
    }

    it('connect, verify, update, test, reset, confirm — through Chromium’s Web Bluetooth', async () => {
      const { page, peripheral } = await start();
      await connectAndStart(page);
      await expectUpdated(page);
      // Every byte went through Chromium's stack in writes of at most MTU − 3; the only
      // larger ones were the link negotiation's probes (512, 495), lost as on a real link.
      expect(peripheral.writes).toBeGreaterThan(100);
      expect(peripheral.oversizedWrites).toBeGreaterThan(0);
      expect(peripheral.wrongWriteType).toBe(0);
    });

    it('the link dropped mid-upload: it reconnects and resumes from the device’s offset', async () => {
      const { page, sim } = await start();
      await connectAndStart(page);
      await uploadPast(page, 6000);
      sim.disconnect('link dropped by the test');
      await expect
        .poll(() => status(page).innerText(), { timeout: 30_000, interval: 20 })
        .toMatch(/resuming at byte \d{4,} of \d+/);
      await expectUpdated(page);
    });

    it('the device rebooted mid-upload: it reconnects and starts the upload over, cleanly', async () => {
      const { page, sim } = await start();
      await connectAndStart(page);
      await uploadPast(page, 6000);
      // A reboot forgets the upload in RAM: the device's offset is 0 again.
      await sim.reboot('rebooted by the test');
      await expect
        .poll(() => status(page).innerText(), { timeout: 30_000, interval: 20 })
        .toMatch(/no longer holds the \d+ % sent before .*uploading from the start/);
      await expectUpdated(page);
      const text = await status(page).innerText();
      expect(text).not.toMatch(/resuming at byte/);
      expect(sim.state).toBe('running');
    });
  },
);
