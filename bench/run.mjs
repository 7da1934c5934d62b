#!/usr/bin/env node
// Runs a benchmark in Node and in headless Chromium (Debian's chromium via
// playwright-core) and prints both: a table, or one JSON document with --json.
//   node bench/run.mjs verify [--json] [--sizes 65536,1048576,4194304]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/helpers/chromium.mjs';

const args = process.argv.slice(2);
const [name] = args;
if (name !== 'verify') {
  console.error('usage: node bench/run.mjs verify [--json] [--sizes N,N,...]');
  process.exit(2);
}
const json = args.includes('--json');
const sizesArg = args[args.indexOf('--sizes') + 1];
const sizes =
  args.includes('--sizes') && sizesArg
    ? sizesArg.split(',').map(Number)
    : [64 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const out = 'dist/bench';
mkdirSync(out, { recursive: true });

await build({
  entryPoints: ['bench/verify-node.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: `${out}/verify-node.mjs`,
  logLevel: 'warning',
});
await build({
  entryPoints: ['bench/verify-browser.ts'],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  outfile: `${out}/verify-browser.js`,
  logLevel: 'warning',
});

const log = (msg) => (json ? process.stderr : process.stdout).write(msg + '\n');
log(`generating keys and images (${sizes.map((s) => s / 1024 + ' KiB').join(', ')})…`);
// One set of keys for both environments (RSA generation is slow; keys do not affect timings).
const keys = JSON.parse(
  execFileSync(process.execPath, [
    '--input-type=module',
    '-e',
    `
  import { generateKeyPairSync as g } from 'node:crypto';
  const p = (k) => k.privateKey.export({ type: 'pkcs8', format: 'pem' });
  console.log(JSON.stringify({ ed25519: p(g('ed25519')), 'ecdsa-p256': p(g('ec', { namedCurve: 'P-256' })),
    'rsa-2048': p(g('rsa', { modulusLength: 2048 })), 'rsa-3072': p(g('rsa', { modulusLength: 3072 })) }));`,
  ]).toString(),
);

const node = JSON.parse(
  execFileSync(
    process.execPath,
    [`${out}/verify-node.mjs`, JSON.stringify(keys), JSON.stringify(sizes)],
    { maxBuffer: 1 << 24 },
  ).toString(),
);

let browser = null;
let browserVersion = null;
if (existsSync(CHROMIUM)) {
  const b = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  browserVersion = b.version();
  const page = await b.newPage();
  const script = readFileSync(`${out}/verify-browser.js`, 'utf8');
  // http://localhost is a secure context, so crypto.subtle exists as on the deployed app.
  await page.route('http://localhost/**', (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: script })
      : route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><script src="/bench.js"></script>',
        }),
  );
  await page.goto('http://localhost/');
  browser = await page.evaluate(([k, s]) => globalThis.runVerifyBench(k, s), [keys, sizes]);
  await b.close();
} else {
  log(`(no Chromium at ${CHROMIUM}: browser figures skipped; apt-get install chromium)`);
}

const env = {
  node: process.version,
  chromium: browserVersion,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
};
if (json) {
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'verify',
        target: 'verify time <= 2x SHA-256 digest time',
        env,
        node,
        chromium: browser,
      },
      null,
      2,
    ) + '\n',
  );
} else {
  const fmt = (rows, label) => {
    log(`\n${label}`);
    log(
      'signature      image       verify ms  verify MB/s  digest ms  digest MB/s  ratio  target<=2x',
    );
    for (const r of rows) {
      log(
        [
          r.signature.padEnd(14),
          `${(r.imageBytes / 1024).toFixed(0)} KiB`.padStart(9),
          r.verifyMs.toFixed(3).padStart(11),
          r.verifyMBps.toFixed(0).padStart(12),
          r.digestMs.toFixed(3).padStart(10),
          r.digestMBps.toFixed(0).padStart(12),
          r.ratio.toFixed(2).padStart(6),
          (r.ratio <= 2 ? 'met' : 'NOT met').padStart(10),
        ].join(' '),
      );
    }
  };
  log(`env: node ${env.node}, chromium ${env.chromium ?? '-'}, ${env.cores} x ${env.cpu}`);
  fmt(node, 'Node (verifyImage with node:crypto webcrypto)');
  if (browser) fmt(browser, `Chromium ${browserVersion} headless (verifyImage with crypto.subtle)`);
}
