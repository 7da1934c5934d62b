/**
 * Every screen at phone size (390 × 844, as a technician holds it): no
 * horizontal overflow, and a tampered image is refused before any device is
 * involved. With FIELDFLASH_SCREENSHOTS=1 the screens are written to
 * docs/screens/ (the README links them); CI only checks.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, hasChromium, launchChromium, serveStatic } from '../helpers/browser.ts';

const SHOTS = process.env['FIELDFLASH_SCREENSHOTS'] === '1';
const DOCS = new URL('../../docs/screens/', import.meta.url).pathname;
const SAMPLE = new URL('../../public/samples/demo-app-1.0.0.bin', import.meta.url).pathname;

describe.skipIf(!hasChromium)('screens at phone size', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let page: Page;

  beforeAll(async () => {
    server = await serveStatic(await buildApp());
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(server.url);
    if (SHOTS) mkdirSync(DOCS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function screen(name: string) {
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${name}: horizontal overflow`).toBeLessThanOrEqual(0);
    if (SHOTS) await page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });
  }

  it('connect, image, update, result — and a tampered image, refused', async () => {
    await screen('1-start');
    await page.getByRole('button', { name: 'Connect to the demo device over Bluetooth' }).click();
    const device = page.getByRole('status', { name: 'Device status' });
    await expect.poll(() => device.innerText(), { timeout: 15_000 }).toMatch(/Slot 0/);
    await screen('2-connected');

    const tampered = join(tmpdir(), `ff-tampered-${process.pid}.bin`);
    const bytes = readFileSync(SAMPLE);
    bytes[3000] = (bytes[3000] ?? 0) ^ 0x40;
    writeFileSync(tampered, bytes);
    await page.getByLabel('Choose firmware image').setInputFiles(tampered);
    const verdict = page.getByRole('status', { name: 'Verification result' });
    await expect.poll(() => verdict.innerText()).toMatch(/Not genuine: do not install/);
    expect(await page.getByRole('button', { name: /^Update to/ }).count()).toBe(0);
    expect(await page.getByRole('status', { name: 'Update status' }).innerText()).toBe('');
    await screen('3-tampered-refused');

    await page.getByRole('button', { name: 'Try the demo sample' }).click();
    await expect.poll(() => verdict.innerText()).toMatch(/Genuine firmware/);
    await screen('4-verified');
    await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
    const status = page.getByRole('status', { name: 'Update status' });
    await expect
      .poll(() => page.getByRole('progressbar', { name: 'Upload progress' }).count(), {
        timeout: 20_000,
        interval: 20,
      })
      .toBe(1);
    await screen('5-updating');
    await expect
      .poll(() => status.innerText(), { timeout: 60_000 })
      .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
    // The card read again after the update: the new image runs.
    await expect
      .poll(() => device.innerText(), { timeout: 15_000 })
      .toMatch(/1\.0\.0 · active, confirmed/);
    // The offline-ready notice (fixed at the bottom) would cover the result's buttons.
    const ok = page.getByRole('status', { name: 'App update' }).getByRole('button', { name: 'OK' });
    if (await ok.count()) await ok.click();
    await screen('6-result');

    // The release feed (checked, the device's release proposed) and the update log.
    await page.getByRole('button', { name: 'Check for updates' }).click();
    await expect
      .poll(() => page.getByRole('status', { name: 'Feed status' }).innerText())
      .toMatch(/Feed #2/);
    await expect
      .poll(() => page.getByRole('table', { name: 'Update attempts' }).innerText())
      .toMatch(/updated/);
    await screen('7-releases-and-log');
  });
});
