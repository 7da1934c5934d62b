/**
 * The app's two budgets (issue 6), printed, never asserted:
 *
 * 1. First-load JS + CSS ≤ 60 kB gzip — what index.html makes the browser
 *    fetch before the app can run: the entry script, every chunk it imports
 *    statically (the modulepreload links) and their CSS, taken from Vite's
 *    build manifest. Lazily imported chunks (demo device, simulator, crypto,
 *    service worker registration, …) are listed apart with their sizes, as is
 *    the service worker, which the browser installs in the background.
 *    gzip -9 (zlib), 1 kB = 1000 bytes, as Vite prints sizes.
 *
 * 2. Interactive from the service worker offline ≤ 1 s on this machine, in
 *    headless Chromium. One visit online installs the service worker; then the
 *    network is cut and the app is opened in a new tab, RUNS times. Each time:
 *    from navigation start (the page's performance.timeOrigin) to the end of
 *    the first frame in which the app's main heading (h1) and an enabled
 *    control (button or input) are on screen, plus one task turn, and not
 *    before the first contentful paint: the page shows the app and takes a
 *    click. "cold": the service worker was stopped
 *    before the tab opened (opening the app after a while); "warm": it was
 *    still running. The headline is the cold median.
 *
 *   npm run bench:size [-- --json] [-- --runs N]
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type CDPSession } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/helpers/chromium.mjs';
import { serveStatic } from '../test/helpers/browser.ts';

const FIRST_LOAD_BUDGET = 60_000;
const OFFLINE_BUDGET_MS = 1000;

const args = process.argv.slice(2);
const json = args.includes('--json');
const runsArg = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 9;
const RUNS = Number.isInteger(runsArg) && runsArg > 0 ? runsArg : 9;
// Progress goes to stderr, so that --json keeps stdout one document.
const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

interface FileSize {
  readonly file: string;
  readonly bytes: number;
  readonly gzip: number;
}
interface LazyChunk extends FileSize {
  /** The source module whose dynamic import loads it. */
  readonly source: string;
}
interface ManifestChunk {
  file: string;
  src?: string;
  name?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

function sizeOf(dir: string, file: string): FileSize {
  const bytes = readFileSync(join(dir, file));
  return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
const sum = (files: readonly FileSize[], key: 'bytes' | 'gzip') =>
  files.reduce((total, f) => total + f[key], 0);
const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

async function buildApp(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'ff-size-'));
  await build({
    mode: 'production',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false, manifest: true },
  });
  return outDir;
}

/** What index.html loads eagerly, from Vite's manifest, and every other chunk. */
function measureBundle(dir: string) {
  const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const entry = Object.entries(manifest).find(([, c]) => c.isEntry && c.src === 'index.html');
  if (!entry) throw new Error('no index.html entry in the Vite manifest');
  const eager = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || eager.has(chunk.file)) return;
    eager.add(chunk.file);
    for (const css of chunk.css ?? []) eager.add(css);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(entry[0]);

  // Cross-check with what the HTML itself references (script, modulepreload, stylesheet).
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  for (const [, href] of html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:js|css))"/g)) {
    if (href && !eager.has(href)) eager.add(href);
  }

  const firstLoad = [...eager].sort().map((file) => sizeOf(dir, file));
  // "…/node_modules/workbox-window/build/x.mjs" → "workbox-window/build/x.mjs"
  const tidy = (src: string) =>
    src.replace(/^.*node_modules\//, '').replace(/^[./]*@vite-plugin-pwa\//, '');
  const sourceOf = new Map(
    Object.values(manifest).map((c) => [
      c.file,
      c.src ? tidy(c.src) : `code shared by lazy chunks (${c.name ?? '?'})`,
    ]),
  );
  const lazy: LazyChunk[] = walk(join(dir, 'assets'))
    .map((path) => relative(dir, path))
    .filter((file) => /\.(js|css)$/.test(file) && !eager.has(file))
    .sort()
    .map((file) => ({ ...sizeOf(dir, file), source: sourceOf.get(file) ?? '' }));
  const serviceWorker = readdirSync(dir)
    .filter((f) => /^(sw|workbox-[\w-]+)\.js$/.test(f))
    .map((file) => sizeOf(dir, file));
  const swSource = readFileSync(join(dir, 'sw.js'), 'utf8');
  const precached = [...swSource.matchAll(/url:"([^"]+)"/g)].flatMap(([, url]) =>
    url ? [url] : [],
  );
  const precacheBytes = precached.reduce((total, url) => total + statSync(join(dir, url)).size, 0);
  return {
    firstLoad,
    firstLoadBytes: sum(firstLoad, 'bytes'),
    firstLoadGzip: sum(firstLoad, 'gzip'),
    html: sizeOf(dir, 'index.html'),
    lazy,
    serviceWorker,
    precache: { entries: precached.length, bytes: precacheBytes },
  };
}

/** In every page of the context: when the app is on screen and takes input (see the header). */
const INTERACTIVE_PROBE = `(() => {
  const ready = () =>
    document.querySelector('h1') &&
    document.querySelector('button:not([disabled]), input:not([disabled])');
  const mark = () => requestAnimationFrame(() => setTimeout(() => {
    window.__ffInteractive = performance.now();
  }, 0));
  const observer = new MutationObserver(() => {
    if (ready()) { observer.disconnect(); mark(); }
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

interface OfflineRun {
  readonly interactiveMs: number;
  readonly workerStartMs: number;
  readonly responseEndMs: number;
  readonly domContentLoadedMs: number;
  readonly firstContentfulPaintMs: number;
}

async function openOffline(context: BrowserContext, url: string): Promise<OfflineRun> {
  const page = await context.newPage();
  try {
    const response = await page.goto(url);
    if (!response?.fromServiceWorker()) throw new Error('the page was not served by the worker');
    await page.waitForFunction(() => '__ffInteractive' in window, null, { timeout: 10_000 });
    return await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        // Never before the first contentful paint: the frame must have reached the screen.
        interactiveMs: Math.max(
          (window as unknown as { __ffInteractive: number }).__ffInteractive,
          fcp?.startTime ?? 0,
        ),
        workerStartMs: nav.workerStart,
        responseEndMs: nav.responseEnd,
        domContentLoadedMs: nav.domContentLoadedEventEnd,
        firstContentfulPaintMs: fcp?.startTime ?? NaN,
      };
    });
  } finally {
    await page.close();
  }
}

function summarise(runs: readonly OfflineRun[]) {
  const pick = (key: keyof OfflineRun) => Math.round(median(runs.map((r) => r[key])) * 10) / 10;
  return {
    runs: runs.length,
    medianMs: pick('interactiveMs'),
    minMs: Math.round(Math.min(...runs.map((r) => r.interactiveMs)) * 10) / 10,
    maxMs: Math.round(Math.max(...runs.map((r) => r.interactiveMs)) * 10) / 10,
    median: {
      workerStartMs: pick('workerStartMs'),
      responseEndMs: pick('responseEndMs'),
      domContentLoadedMs: pick('domContentLoadedMs'),
      firstContentfulPaintMs: pick('firstContentfulPaintMs'),
    },
  };
}

/** Stops the service worker and waits until Chromium reports it stopped. */
async function stopWorkers(cdp: CDPSession): Promise<void> {
  const running = new Set<string>();
  const stopped = new Promise<void>((resolve) => {
    const onVersions = (event: { versions: { versionId: string; runningStatus: string }[] }) => {
      for (const v of event.versions) {
        if (v.runningStatus === 'stopped') running.delete(v.versionId);
        else running.add(v.versionId);
      }
      if (running.size === 0) {
        cdp.off('ServiceWorker.workerVersionUpdated', onVersions);
        resolve();
      }
    };
    cdp.on('ServiceWorker.workerVersionUpdated', onVersions);
  });
  await cdp.send('ServiceWorker.stopAllWorkers');
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2000))]);
}

async function measureOffline(dir: string) {
  const server = await serveStatic(dir);
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS],
    });
    const context = await browser.newContext();
    await context.addInitScript(INTERACTIVE_PROBE);
    // The first visit, online: the worker installs (precache complete) and takes control.
    const first = await context.newPage();
    await first.goto(server.url);
    await first.waitForFunction(
      async () => {
        const registration = await navigator.serviceWorker.ready;
        return registration.active?.state === 'activated' && !!navigator.serviceWorker.controller;
      },
      null,
      { timeout: 30_000 },
    );
    await context.setOffline(true);
    await first.close();
    // A blank tab (no client of the worker) keeps a CDP session to stop the worker through.
    const blank = await context.newPage();
    const cdp = await context.newCDPSession(blank);
    await cdp.send('ServiceWorker.enable');

    const cold: OfflineRun[] = [];
    const warm: OfflineRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      await stopWorkers(cdp);
      cold.push(await openOffline(context, server.url));
      warm.push(await openOffline(context, server.url));
      log(
        `  run ${i + 1}/${RUNS}: cold ${cold.at(-1)?.interactiveMs.toFixed(0)} ms, warm ${warm.at(-1)?.interactiveMs.toFixed(0)} ms`,
      );
    }
    return { browser: browser.version(), cold: summarise(cold), warm: summarise(warm) };
  } finally {
    await browser?.close();
    await server.close();
  }
}

log('building the app (vite build, production)…');
const dir = await buildApp();
const bundle = measureBundle(dir);
const firstLoadPass = bundle.firstLoadGzip <= FIRST_LOAD_BUDGET;

let offline: Awaited<ReturnType<typeof measureOffline>> | null = null;
let offlineError: string | null = null;
try {
  statSync(CHROMIUM);
  log(`opening the app offline in headless Chromium, ${RUNS} runs…`);
  offline = await measureOffline(dir);
} catch (error) {
  offlineError =
    error instanceof Error && 'code' in error && error.code === 'ENOENT'
      ? `no Chromium at ${CHROMIUM} (apt-get install chromium)`
      : String(error);
}
const offlinePass = offline !== null && offline.cold.medianMs <= OFFLINE_BUDGET_MS;
const env = {
  node: process.version,
  chromium: offline?.browser ?? null,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
};

if (json) {
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'size',
        env,
        firstLoad: {
          budgetGzipBytes: FIRST_LOAD_BUDGET,
          gzipBytes: bundle.firstLoadGzip,
          bytes: bundle.firstLoadBytes,
          pass: firstLoadPass,
          files: bundle.firstLoad,
        },
        html: bundle.html,
        lazy: bundle.lazy,
        serviceWorker: bundle.serviceWorker,
        precache: bundle.precache,
        offlineInteractive: offline
          ? {
              budgetMs: OFFLINE_BUDGET_MS,
              pass: offlinePass,
              cold: offline.cold,
              warm: offline.warm,
            }
          : { budgetMs: OFFLINE_BUDGET_MS, pass: false, error: offlineError },
      },
      null,
      2,
    ) + '\n',
  );
} else {
  const row = (f: FileSize, note = '') =>
    log(`  ${f.file.padEnd(48)} ${kB(f.bytes).padStart(9)} ${kB(f.gzip).padStart(9)} gzip ${note}`);
  log(`env: node ${env.node}, chromium ${env.chromium ?? '-'}, ${env.cores} x ${env.cpu}`);
  log('\nfirst load (index.html → entry, its static imports, their CSS):');
  bundle.firstLoad.forEach((f) => row(f));
  log(
    `  ${'total'.padEnd(48)} ${kB(bundle.firstLoadBytes).padStart(9)} ${kB(bundle.firstLoadGzip).padStart(9)} gzip`,
  );
  row(bundle.html, '(the page itself, not counted)');
  log('\nloaded lazily (dynamic imports), not counted:');
  bundle.lazy.forEach((f) => row(f, f.source && `← ${f.source}`));
  log('\nservice worker (installed in the background after the first load), not counted:');
  bundle.serviceWorker.forEach((f) => row(f));
  log(`  precache: ${bundle.precache.entries} files, ${kB(bundle.precache.bytes)}`);
  if (offline) {
    for (const kind of ['cold', 'warm'] as const) {
      const s = offline[kind];
      log(
        `\noffline, ${kind} worker: interactive median ${s.medianMs} ms (min ${s.minMs}, max ${s.maxMs}; ` +
          `worker start ${s.median.workerStartMs}, response end ${s.median.responseEndMs}, ` +
          `DOMContentLoaded ${s.median.domContentLoadedMs}, first paint ${s.median.firstContentfulPaintMs} ms)`,
      );
    }
  }
  log('');
  log(
    `${firstLoadPass ? 'PASS' : 'MISS'} first-load JS + CSS ${kB(bundle.firstLoadGzip)} gzip (budget <= ${kB(FIRST_LOAD_BUDGET)})`,
  );
  log(
    offline
      ? `${offlinePass ? 'PASS' : 'MISS'} interactive from the service worker offline ${offline.cold.medianMs} ms, median of ${RUNS} cold runs (budget <= ${OFFLINE_BUDGET_MS} ms)`
      : `MISS interactive from the service worker offline: not measured (${offlineError})`,
  );
}
