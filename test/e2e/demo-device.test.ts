/**
 * The whole update in real Chromium against the demo device (the bundled
 * simulator, loaded on demand, answering the app's real Web Bluetooth and Web
 * Serial transports through its browser-shaped host sides): connect, open the
 * sample, verify, update, test, reset, confirm — driven by role and name.
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

  const device = () => page.getByRole('status', { name: 'Device status' });
  const update = () => page.getByRole('status', { name: 'Update status' });

  it.each([
    ['Bluetooth', 'demo device over Bluetooth'],
    ['serial', 'demo device over serial'],
  ])(
    'over simulated %s: connect, verify, update, confirmed; then the next device',
    async (label, via) => {
      await page.getByRole('button', { name: `Connect to the demo device over ${label}` }).click();
      await expect.poll(() => device().innerText(), { timeout: 15_000 }).toMatch(/Slot 0/);
      const text = await device().innerText();
      expect(text).toContain(`fieldflash-demo (${via})`);
      expect(text).toMatch(/Bootloader\s+MCUboot/);
      expect(text).toMatch(/2475 bytes × 4/);
      expect(text).toMatch(/0\.9\.0 · active, confirmed/);

      await page.getByRole('button', { name: 'Try the demo sample' }).click();
      await expect
        .poll(() => page.getByRole('status', { name: 'Verification result' }).innerText())
        .toMatch(/Genuine firmware/);
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
      // Live progress while it runs.
      await expect
        .poll(() => page.getByRole('progressbar', { name: 'Upload progress' }).count(), {
          timeout: 15_000,
        })
        .toBe(1);
      await expect
        .poll(() => update().innerText(), { timeout: 60_000 })
        .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
      expect(await update().innerText()).toMatch(/100 % · 25\d+ \/ 25\d+ bytes · [\d.]+ kB\/s/);
      expect(await page.getByLabel('Devices updated this shift').innerText()).toMatch(/: [1-9]/);
      // The device card is read again: the new image runs, confirmed; the old one is kept.
      await expect
        .poll(() => device().innerText(), { timeout: 15_000 })
        .toMatch(/1\.0\.0 · active, confirmed/);
      expect(await device().innerText()).toMatch(/0\.9\.0 · stored/);

      // The next device: back to Connect with the verified image kept.
      await page.getByRole('button', { name: 'Update next device' }).click();
      expect(await device().innerText()).toBe('');
      expect(await page.getByRole('status', { name: 'Verification result' }).innerText()).toMatch(
        /Genuine firmware/,
      );
      // The demo device (still this page's) now runs the new image, confirmed.
      await page.getByRole('button', { name: `Connect to the demo device over ${label}` }).click();
      await expect
        .poll(() => device().innerText(), { timeout: 15_000 })
        .toMatch(/1\.0\.0 · active, confirmed/);
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
      await expect
        .poll(() => update().innerText(), { timeout: 30_000 })
        .toMatch(/Nothing to do: the device already runs 1\.0\.0\+0/);
    },
  );

  it('expert panel: the raw image list, echo, erase — each answer shown', async () => {
    await page.getByRole('button', { name: 'Connect to the demo device over serial' }).click();
    await expect.poll(() => device().innerText(), { timeout: 15_000 }).toMatch(/Slot 0/);
    await page.getByText('Expert').click();
    const log = page.getByRole('log', { name: 'Expert answers' });
    await page.getByRole('button', { name: 'Read the image list' }).click();
    await expect.poll(() => log.innerText(), { timeout: 10_000 }).toMatch(/"version": "0\.9\.0"/);
    await page.getByRole('button', { name: 'Echo' }).click();
    await expect.poll(() => log.innerText(), { timeout: 10_000 }).toBe('echo: fieldflash');
    await page.getByRole('button', { name: 'Erase the update slot' }).click();
    await expect
      .poll(() => log.innerText(), { timeout: 10_000 })
      .toBe('The update slot is erased.');
  });

  it('cancel mid-upload: a plain message, then "Resume update" continues and ends confirmed', async () => {
    await page.getByRole('button', { name: 'Connect to the demo device over Bluetooth' }).click();
    await expect.poll(() => device().innerText(), { timeout: 15_000 }).toMatch(/Slot 0/);
    await page.getByRole('button', { name: 'Try the demo sample' }).click();
    await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
    await expect
      .poll(
        async () =>
          Number(
            await page.getByRole('progressbar', { name: 'Upload progress' }).getAttribute('value'),
          ),
        { timeout: 15_000, interval: 20 },
      )
      .toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel update' }).click();
    await expect
      .poll(() => update().innerText(), { timeout: 15_000 })
      .toMatch(/Update cancelled\. Press Update to go on\./);
    const banner = page.getByRole('region', { name: 'Interrupted update' });
    expect(await banner.innerText()).toMatch(
      /An update to 1\.0\.0\+0 stopped at \d+ % of the upload/,
    );
    await banner.getByRole('button', { name: 'Resume update' }).click();
    await expect
      .poll(() => update().innerText(), { timeout: 60_000 })
      .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
  });
});
