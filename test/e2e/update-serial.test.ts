/**
 * The whole update in real Chromium over Web Serial — Chromium's own serial
 * stack on a pty, the simulated device (`fieldflash sim --pty`, a separate
 * process, so it outlives a page reload) behind it. A full update; then a
 * page reloaded mid-upload resumes from the device's offset (the checkpoint in
 * IndexedDB says where it stopped).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, hasChromium, serveStatic } from '../helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { hasSocat } from '../helpers/pty-device.ts';
import {
  canBindSerial,
  launchWithSerialPort,
  REQUEST_PORT_SHIM,
} from '../helpers/serial-chromium.ts';
import { DEMO_KEY, SAMPLE_FACTORY, startSim, stopSims } from '../helpers/sim-process.ts';

describe.skipIf(!hasChromium || !hasSocat || !canBindSerial)(
  'update over Web Serial in Chromium (real serial stack on a pty, simulator behind it)',
  () => {
    let server: Awaited<ReturnType<typeof serveStatic>>;
    let browser: Browser | undefined;
    let pub: string;

    beforeAll(async () => {
      server = await serveStatic(await buildApp());
      pub = join(mkdtempSync(join(tmpdir(), 'ff-key-')), 'demo.pub.pem');
      writeFileSync(pub, (await runCli('getpub', DEMO_KEY)).stdout);
    });
    afterAll(async () => {
      await server?.close();
    });
    afterEach(async () => {
      await browser?.close();
      browser = undefined;
      stopSims();
    });

    async function openApp(link: string): Promise<Page> {
      browser ??= await launchWithSerialPort(link, server.url);
      const page = await browser.newPage();
      await page.addInitScript(REQUEST_PORT_SHIM);
      await page.goto(server.url);
      return page;
    }

    async function connectAndPickSample(page: Page) {
      await page.getByRole('button', { name: 'Connect over USB serial' }).click();
      await expect
        .poll(() => page.getByRole('status', { name: 'Device status' }).innerText(), {
          timeout: 20_000,
        })
        .toMatch(/0\.9\.0 · active, confirmed/);
      await page.getByRole('button', { name: 'Try the demo sample' }).click();
      await expect
        .poll(() => page.getByRole('status', { name: 'Verification result' }).innerText())
        .toMatch(/Genuine firmware/);
    }

    const status = (page: Page) => page.getByRole('status', { name: 'Update status' });

    it('a full update: verify, upload, test, reset, confirm', async () => {
      const sim = await startSim('--profile', 'usb-cdc', '--image', SAMPLE_FACTORY, '--key', pub);
      const page = await openApp(sim.link);
      await connectAndPickSample(page);
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
      await expect
        .poll(() => status(page).innerText(), { timeout: 60_000 })
        .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
      expect(sim.stderr()).toMatch(/"what":"booted"/);
    });

    it('page reloaded mid-upload: the banner says where it stopped, and it resumes from the device’s offset', async () => {
      // Every upload answer held back: slow enough to reload half way.
      const sim = await startSim(
        '--profile',
        'usb-cdc',
        '--image',
        SAMPLE_FACTORY,
        '--key',
        pub,
        '--fault',
        'late=150:1.1',
      );
      const page = await openApp(sim.link);
      await connectAndPickSample(page);
      await page.getByRole('button', { name: 'Update to 1.0.0+0' }).click();
      const bar = page.getByRole('progressbar', { name: 'Upload progress' });
      await expect
        .poll(async () => Number((await bar.count()) ? await bar.getAttribute('value') : 0), {
          timeout: 30_000,
          interval: 50,
        })
        .toBeGreaterThan(8000);
      await page.reload();
      await connectAndPickSample(page);
      const banner = page.getByRole('region', { name: 'Interrupted update' });
      await expect
        .poll(() => banner.innerText(), { timeout: 10_000 })
        .toMatch(/An update to 1\.0\.0\+0 stopped at \d+ % of the upload on this device/);
      await banner.getByRole('button', { name: 'Resume update' }).click();
      // The device kept what it had: the upload goes on from there, not from 0.
      await expect
        .poll(() => status(page).innerText(), { timeout: 20_000, interval: 20 })
        .toMatch(/Uploading — resuming at byte (\d{4,}) of \d+/);
      const at = Number(/resuming at byte (\d+)/.exec(await status(page).innerText())?.[1] ?? 0);
      expect(at).toBeGreaterThan(8000);
      await expect
        .poll(() => status(page).innerText(), { timeout: 60_000, interval: 50 })
        .toMatch(/Updated: the device runs 1\.0\.0\+0, confirmed\./);
    });
  },
);
