/**
 * The Web Bluetooth transport in real Chromium: the browser's own Web
 * Bluetooth stack, emulated through CDP BluetoothEmulation, with a Node-side
 * SMP device that enforces an ATT MTU and the write type.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/browser.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.mjs';
import { fakeDevice } from '../helpers/fake-device.ts';
import { FakePeripheral } from '../helpers/fake-peripheral.ts';
import { serveHarness } from '../helpers/harness.ts';
import { percentiles } from '../helpers/stats.ts';
import type { HarnessGlobal } from './harness/smp-harness.ts';

const NOTIFY_HOOK = new URL('../helpers/notify-hook.js', import.meta.url).pathname;
/** Inside page.evaluate (serialised into the page, so no Node-side helpers there). */
type G = HarnessGlobal;

describe.skipIf(!hasChromium)('Web Bluetooth transport in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let context: BrowserContext;
  let page: Page;
  let peripheral: FakePeripheral;

  beforeAll(async () => {
    server = await serveHarness();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS, '--enable-features=WebBluetooth'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    await peripheral?.dispose();
    await context?.close();
  });

  async function connect(mtu: number, device = fakeDevice({ bufSize: 2475 })) {
    context = await browser.newContext();
    page = await context.newPage();
    await page.addInitScript({ path: NOTIFY_HOOK });
    await page.goto(server.url);
    peripheral = await FakePeripheral.create(context, page, { mtu, handler: device.handler });
    await page.getByRole('button', { name: 'Connect Bluetooth' }).click();
    const link = await page.evaluate(() => (globalThis as unknown as G).harness.ready);
    return { link, device };
  }

  it('connects, learns the largest write that arrives (MTU 247 → 244 bytes) and exchanges SMP', async () => {
    const { link } = await connect(247);
    expect(link).toMatchObject({
      writeSize: 244,
      maxFrame: 2475,
      params: { bufSize: 2475, bufCount: 4 },
    });
    expect(
      await page.evaluate(() => (globalThis as unknown as G).harness.echo('hello over BLE')),
    ).toBe('hello over BLE');
    // An answer of several notifications, and a request of several writes, reassembled on both sides.
    const long = 'x'.repeat(1500);
    expect(await page.evaluate((t) => (globalThis as unknown as G).harness.echo(t), long)).toBe(
      long,
    );
    expect(peripheral.wrongWriteType).toBe(0);
    // Probing tried larger writes first; they were lost, as on a real link, and not used after.
    expect(peripheral.oversizedWrites).toBeGreaterThan(0);
  });

  it('finds a smaller MTU too (MTU 185 → 182 bytes); echo round trips are measured', async () => {
    const { link } = await connect(185);
    expect(link.writeSize).toBe(182);
    const rtts = await page.evaluate(() => (globalThis as unknown as G).harness.rtt(200));
    const p = percentiles(rtts);
    console.log(
      `Web Bluetooth echo RTT, Chromium + CDP emulation, 200 echoes: p50 ${p.p50} ms, p95 ${p.p95} ms, max ${p.max} ms`,
    );
    expect(rtts).toHaveLength(200);
  });

  it('uploads an image in frames larger than one write (device reassembly)', async () => {
    const { device } = await connect(247);
    const bytes = Array.from({ length: 6000 }, (_, i) => (i * 7) & 0xff);
    bytes.splice(0, 4, 0x3d, 0xb8, 0xf3, 0x96);
    const r = await page.evaluate(
      (b) => (globalThis as unknown as G).harness.upload(b, 1024),
      bytes,
    );
    expect(r.match).toBe(true);
    expect(Buffer.compare(device.state.uploaded, Uint8Array.from(bytes))).toBe(0);
  });

  it('a dropped link settles closed as device-lost and rejects the pending request with it', async () => {
    const device = fakeDevice({ bufSize: 2475 });
    await connect(247, {
      ...device,
      handler: (req) => (req.body['d'] === 'unanswered' ? [] : device.handler(req)),
    });
    await page.evaluate(() => (globalThis as unknown as G).harness.startEcho('unanswered'));
    await peripheral.disconnect();
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as G).harness.closed))
      .toMatchObject({ kind: 'device-lost' });
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as G).harness.settled))
      .toEqual({
        ok: false,
        error: 'TransportClosedError',
        code: 'disconnected',
        reason: 'device-lost',
      });
  });
});
