/**
 * The Web Serial transport in real Chromium, through Chromium's own serial
 * stack on a pty, with a device answering in Zephyr's console framing.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.ts';
import { fakeDevice } from '../helpers/fake-device.ts';
import { serveHarness } from '../helpers/harness.ts';
import { hasSocat, startPtyDevice, type PtyDevice } from '../helpers/pty-device.ts';
import {
  canBindSerial,
  launchWithSerialPort,
  REQUEST_PORT_SHIM,
} from '../helpers/serial-chromium.ts';
import { percentiles } from '../helpers/stats.ts';
import type { HarnessGlobal } from './harness/smp-harness.ts';

/** Inside page.evaluate (serialised into the page, so no Node-side helpers there). */
type G = HarnessGlobal;

describe.skipIf(!hasChromium || !hasSocat || !canBindSerial)(
  'Web Serial transport in Chromium (real serial stack on a pty)',
  () => {
    let server: Awaited<ReturnType<typeof serveHarness>>;
    let browser: Browser | undefined;
    let device: PtyDevice | undefined;
    let page: Page;

    beforeAll(async () => {
      server = await serveHarness();
    });
    afterAll(async () => {
      await server?.close();
    });
    afterEach(async () => {
      await browser?.close();
      await device?.close();
      browser = undefined;
      device = undefined;
    });

    async function open(handler = fakeDevice({ bufSize: 1024 }).handler) {
      device = await startPtyDevice(handler);
      browser = await launchWithSerialPort(device.path, server.url);
      page = await browser.newPage();
      await page.addInitScript(REQUEST_PORT_SHIM);
      await page.goto(server.url);
      await page.getByRole('button', { name: 'Open serial' }).click();
      return page.evaluate(() => (globalThis as unknown as G).harness.ready);
    }

    it('opens the port, exchanges SMP with console noise around it, and measures round trips', async () => {
      const link = await open();
      expect(link).toMatchObject({
        params: { bufSize: 1024, bufCount: 4 },
        maxFrame: 1020,
        writeSize: 93,
      });
      device?.write('[00:00:02.000,000] <inf> app: log line between frames\r\n');
      expect(
        await page.evaluate(() => (globalThis as unknown as G).harness.echo('hello over serial')),
      ).toBe('hello over serial');
      const long = 'y'.repeat(700); // several console lines each way
      expect(await page.evaluate((t) => (globalThis as unknown as G).harness.echo(t), long)).toBe(
        long,
      );
      const rtts = await page.evaluate(() => (globalThis as unknown as G).harness.rtt(200));
      const p = percentiles(rtts);
      console.log(
        `Web Serial echo RTT, Chromium serial stack on a pty, 200 echoes: p50 ${p.p50} ms, p95 ${p.p95} ms, max ${p.max} ms`,
      );
      expect(rtts).toHaveLength(200);
    });

    it('uploads an image through the port', async () => {
      const fake = fakeDevice({ bufSize: 1024 });
      await open(fake.handler);
      const bytes = Array.from({ length: 20000 }, (_, i) => (i * 11) & 0xff);
      bytes.splice(0, 4, 0x3d, 0xb8, 0xf3, 0x96);
      const r = await page.evaluate((b) => (globalThis as unknown as G).harness.upload(b), bytes);
      console.log(`Web Serial sequential upload of 20000 bytes over a pty: ${r.ms.toFixed(0)} ms`);
      expect(r.match).toBe(true);
      expect(Buffer.compare(fake.state.uploaded, Uint8Array.from(bytes))).toBe(0);
    });

    it('unplugging settles closed as device-lost and rejects the pending request with it', async () => {
      const fake = fakeDevice();
      await open((req) => (req.body['d'] === 'unanswered' ? [] : fake.handler(req)));
      await page.evaluate(() => (globalThis as unknown as G).harness.startEcho('unanswered'));
      await device?.unplug();
      await expect
        .poll(() => page.evaluate(() => (globalThis as unknown as G).harness.closed))
        .toEqual({ kind: 'device-lost', detail: 'The device has been lost.' });
      await expect
        .poll(() => page.evaluate(() => (globalThis as unknown as G).harness.settled))
        .toEqual({
          ok: false,
          error: 'TransportClosedError',
          code: 'disconnected',
          reason: 'device-lost',
        });
    });
  },
);
