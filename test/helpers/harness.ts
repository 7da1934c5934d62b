/**
 * Builds the transport harness page (test/e2e/harness) for the browser and
 * serves it on loopback.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { serveStatic } from './browser.ts';

export async function serveHarness(): Promise<{ url: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-harness-'));
  await build({
    entryPoints: [new URL('../e2e/harness/smp-harness.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dir, 'harness.js'),
    logLevel: 'warning',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>harness</title><button id="ble">Connect Bluetooth</button><button id="serial">Open serial</button><script src="/harness.js"></script>',
  );
  return serveStatic(dir);
}
