/**
 * The demo device runs in the page, in real Chromium: the bundled simulator
 * (loaded on demand) answers the app's real Web Bluetooth and Web Serial
 * transports through its browser-shaped host sides.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, hasChromium, launchChromium, serveStatic } from '../helpers/browser.ts';

describe.skipIf(!hasChromium)('demo device in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let page: Page;

  beforeAll(async () => {
    server = await serveStatic(await buildApp());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(server.url);
  });

  const status = () => page.getByRole('status', { name: 'Demo device status' });

  it.each([
    ['Bluetooth', 'bluetooth'],
    ['serial', 'serial'],
  ])('connects over simulated %s and shows what the device reports', async (label, link) => {
    await page.getByRole('button', { name: `Connect to the demo device over ${label}` }).click();
    await expect.poll(() => status().innerText(), { timeout: 15_000 }).toMatch(/Slot 0/);
    const text = await status().innerText();
    expect(text).toContain(`fieldflash-demo (${link})`);
    expect(text).toMatch(/Bootloader\s+MCUboot/);
    expect(text).toMatch(/2475 bytes × 4/);
    expect(text).toMatch(/0\.9\.0 · active, confirmed/);
  });
});
