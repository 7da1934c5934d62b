/**
 * The signed release feed, the offline firmware cache and the update log in
 * real Chromium: the demo feed proposes the newer release for the connected
 * demo device and the update is logged (CSV export checked); a feed on
 * another origin is downloaded, its image made available offline, and after
 * the network is cut the page (from the service worker) flashes it from
 * IndexedDB; an expired saved feed needs an explicit override, which the log
 * records; an older feed (rollback) and an altered one are refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, hasChromium, launchChromium, serveStatic } from '../helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { DEMO_KEY } from '../helpers/sim-process.ts';

const FEED_KEY = new URL('../../src/app/demo/demo-feed-key.pem', import.meta.url).pathname;
const DAY = 86_400_000;

/** A release server on another origin (CORS open, as README asks of feed hosts). */
async function releaseServer() {
  const files = new Map<string, Uint8Array>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const body = files.get(path);
    res.writeHead(body ? 200 : 404, { 'access-control-allow-origin': '*' });
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    files,
    requests,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ff-releases-'));

/** An image the service worker has never seen: signed now by the demo signing key. */
async function signedImage(version: string): Promise<string> {
  const body = join(dir, `body-${version}.bin`);
  const out = join(dir, `app-${version}.bin`);
  const bytes = new Uint8Array(20_000).map((_, i) => (i * 7 + version.length) & 0xff);
  writeFileSync(body, bytes);
  const r = await runCli(
    ...['sign', '--key', DEMO_KEY, '--version', version, '--header-size', '0x200'],
    ...['--pad-header', '--slot-size', '0x40000', body, out],
  );
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

/** A feed with `images` (one `feed add` each, so sequence = count), signed by the demo feed key. */
async function signedFeed(
  name: string,
  images: readonly string[],
  dates: { now: Date; days: number },
): Promise<{ json: Uint8Array; sig: Uint8Array }> {
  const feed = join(dir, name);
  rmSync(feed, { force: true });
  for (const image of images) {
    const r = await runCli(
      ...['feed', 'add', feed, image, '--product', 'sensor', '--board', 'nrf52840dk'],
      ...['--file', image.split('/').pop() ?? '', '--expires-in-days', String(dates.days)],
      ...['--now', dates.now.toISOString()],
    );
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const s = await runCli('feed', 'sign', '--key', FEED_KEY, feed);
  if (s.code !== 0) throw new Error(s.stderr);
  return { json: readFileSync(feed), sig: readFileSync(`${feed}.sig`) };
}

describe.skipIf(!hasChromium)('release feed, offline cache and update log in Chromium', () => {
  let browser: Browser;
  let app: Awaited<ReturnType<typeof serveStatic>>;
  let releases: Awaited<ReturnType<typeof releaseServer>>;
  let context: BrowserContext;
  let page: Page;
  let v110: string;

  beforeAll(async () => {
    app = await serveStatic(await buildApp());
    releases = await releaseServer();
    browser = await launchChromium();
    v110 = await signedImage('1.1.0');
    releases.files.set('/app-1.1.0.bin', readFileSync(v110));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await releases?.close();
  });
  afterEach(async () => {
    await context?.close();
  });

  async function open(): Promise<void> {
    context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(app.url);
  }

  const feedPanel = () => page.getByRole('region', { name: 'Release feed' });
  const feedStatus = () => page.getByRole('status', { name: 'Feed status' });
  const verdict = () => page.getByRole('status', { name: 'Verification result' });
  const updateStatus = () => page.getByRole('status', { name: 'Update status' });
  const logTable = () => page.getByRole('table', { name: 'Update attempts' });

  async function connectDemo(): Promise<void> {
    await page.getByRole('button', { name: 'Connect to the demo device over Bluetooth' }).click();
    await expect
      .poll(() => page.getByRole('status', { name: 'Device status' }).innerText(), {
        timeout: 15_000,
      })
      .toMatch(/Board\s+nrf52840dk\/nrf52840[\s\S]*0\.9\.0 · active, confirmed/);
  }

  async function updateTo(version: string): Promise<void> {
    await expect.poll(() => verdict().innerText()).toMatch(/Genuine firmware/);
    await page.getByRole('button', { name: `Update to ${version}` }).click();
    await expect
      .poll(() => updateStatus().innerText(), { timeout: 60_000 })
      .toMatch(
        new RegExp(`Updated: the device runs ${version.replace(/[.+]/g, '\\$&')}, confirmed`),
      );
  }

  async function useFeed(url: string): Promise<void> {
    await feedPanel().getByText('Feed address').click();
    await page.getByRole('textbox', { name: 'Feed address' }).fill(url);
    await page.getByRole('button', { name: 'Check for updates' }).click();
  }

  it('the demo feed proposes the newer release for the device; the update is logged and exported', async () => {
    await open();
    await page.getByRole('button', { name: 'Check for updates' }).click();
    await expect
      .poll(() => feedStatus().innerText())
      .toMatch(
        /Feed #2, signed by fieldflash demo feed key \(bbccfb3c\); downloaded .* ago; expires in \d+ days/,
      );
    await connectDemo();
    const proposed = page.getByLabel('Proposed release');
    await expect.poll(() => proposed.innerText()).toMatch(/demo-app 1\.0\.0\+0 \(newer/);
    await proposed.getByRole('button', { name: 'Use 1.0.0+0' }).click();
    await updateTo('1.0.0+0');

    // Saved on the phone by the way, and in the log: one entry, chain intact.
    await expect
      .poll(() => page.getByRole('list', { name: 'Saved firmware' }).innerText())
      .toMatch(/demo-app 1\.0\.0\+0/);
    await expect.poll(() => logTable().innerText()).toMatch(/0\.9\.0 → 1\.0\.0\+0\s+updated/);
    expect(await page.getByRole('region', { name: 'Update log' }).innerText()).toMatch(
      /1 entries; the chain is intact/,
    );
    expect(await page.getByLabel('Devices updated this shift').innerText()).toMatch(/: 1$/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^\uFEFFseq,.*device.*toVersion.*result/);
    expect(csv[1]).toMatch(
      /demo:bluetooth.*fieldflash-demo.*nrf52840dk\/nrf52840.*0\.9\.0.*1\.0\.0\+0.*updated/,
    );
  });

  it('made available offline from another origin, then flashed with the network cut', async () => {
    const feed = await signedFeed('offline.json', [v110], { now: new Date(), days: 30 });
    releases.files.set('/feed.json', feed.json);
    releases.files.set('/feed.json.sig', feed.sig);
    await open();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
      timeout: 15_000,
    });
    await useFeed(`${releases.url}/feed.json`);
    await expect
      .poll(() => feedStatus().innerText())
      .toMatch(/Feed #1, signed by fieldflash demo feed key/);
    await page.getByRole('button', { name: 'Make sensor 1.1.0+0 available offline' }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Saved firmware' }).innerText())
      .toMatch(/sensor 1\.1\.0\+0[\s\S]*signed by fieldflash demo key/);
    expect(await page.getByLabel('Storage used').innerText()).toMatch(
      /Storage: [\d.]+ [kMG]B used of/,
    );

    const served = releases.requests.length;
    await context.setOffline(true);
    await page.reload(); // served by the service worker
    await connectDemo();
    await page.getByRole('button', { name: 'Use saved app-1.1.0.bin 1.1.0+0' }).click();
    await updateTo('1.1.0+0');
    expect(releases.requests.length).toBe(served); // nothing reached the network
    // Checking the feed offline says so, and keeps what is saved.
    await page.getByRole('button', { name: 'Check for updates' }).click();
    await expect.poll(() => page.getByRole('alert').first().innerText()).toMatch(/Could not reach/);
    expect(await feedStatus().innerText()).toMatch(/saved on this phone/);
  });

  it('an expired saved feed needs an explicit override, which the log records; rollback and tampering refused', async () => {
    const now = Date.now();
    const feed = await signedFeed('expiring.json', [v110, v110], { now: new Date(now), days: 1 });
    releases.files.set('/feed.json', feed.json);
    releases.files.set('/feed.json.sig', feed.sig);
    await open();
    await useFeed(`${releases.url}/feed.json`);
    await expect.poll(() => feedStatus().innerText()).toMatch(/Feed #2/);
    await page.getByRole('button', { name: 'Make sensor 1.1.0+0 available offline' }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Saved firmware' }).innerText())
      .toMatch(/sensor 1\.1\.0\+0/);

    // Three days later, in the field: the saved feed has expired.
    await context.clock.install({ time: now + 3 * DAY });
    await page.reload();
    const expired = page.getByRole('region', { name: 'Expired feed' });
    await expect.poll(() => expired.innerText()).toMatch(/expired/i);
    await expired.getByRole('button', { name: 'Use the expired feed anyway' }).click();
    await expect.poll(() => feedStatus().innerText()).toMatch(/EXPIRED 2 days ago — used anyway/);
    await connectDemo();
    await page.getByRole('button', { name: 'Use saved app-1.1.0.bin 1.1.0+0' }).click();
    await updateTo('1.1.0+0');
    await expect
      .poll(() => logTable().innerText())
      .toMatch(/updated · release feed #2 expired 2 days ago: used anyway \(override\)/);

    // An older feed (sequence 1 < 2) is a rollback; an altered one has a bad signature.
    const older = await signedFeed('older.json', [v110], {
      now: new Date(now + 3 * DAY),
      days: 30,
    });
    releases.files.set('/feed.json', older.json);
    releases.files.set('/feed.json.sig', older.sig);
    await page.getByRole('button', { name: 'Check for updates' }).click();
    await expect
      .poll(() => feedPanel().getByRole('alert').innerText())
      .toMatch(/older \(sequence 1\) than one already seen \(sequence 2\)/);
    const altered = Buffer.from(older.json);
    altered[altered.indexOf('sensor')] = 'S'.charCodeAt(0);
    releases.files.set('/feed.json', altered);
    await page.getByRole('button', { name: 'Check for updates' }).click();
    await expect
      .poll(() => feedPanel().getByRole('alert').innerText())
      .toMatch(/not signed by a trusted feed key, or altered/);
  });
  it('syncs the log to a configured endpoint through CORS, retrying after a failure, each entry once', async () => {
    const received: { id: string; seq: number }[] = [];
    let posts = 0;
    const sink = createServer((req, res) => {
      const cors = {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type, idempotency-key',
      };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors);
        res.end();
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts++;
        if (posts === 1) {
          res.writeHead(503, cors); // the first attempt fails: retried with back-off
          res.end();
          return;
        }
        const batch = JSON.parse(body) as { entries: { id: string; seq: number }[] };
        for (const e of batch.entries)
          if (!received.some((r) => r.id === e.id)) received.push({ id: e.id, seq: e.seq });
        res.writeHead(200, cors);
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const address = sink.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await open();
      const log = page.getByRole('region', { name: 'Update log' });
      await log.getByText('Sync address', { exact: true }).click();
      await page
        .getByRole('textbox', { name: 'Sync address' })
        .fill(`http://127.0.0.1:${port}/log`);
      await log.getByRole('button', { name: 'Save' }).click();
      await connectDemo();
      await page.getByRole('button', { name: 'Try the demo sample' }).click();
      await updateTo('1.0.0+0');
      await expect
        .poll(() => page.getByRole('status', { name: 'Log sync' }).innerText(), { timeout: 20_000 })
        .toMatch(/1 sent, 0 waiting; up to date/);
      expect(received).toEqual([{ id: expect.any(String) as string, seq: 1 }]);
      expect(posts).toBeGreaterThanOrEqual(2);
    } finally {
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  });
});
