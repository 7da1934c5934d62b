#!/usr/bin/env node
// Bundles and runs bench/upload-bench.ts in Node:
//   npm run bench:upload [-- --json] [-- --full] [-- --soak N]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

mkdirSync('dist/bench', { recursive: true });
await build({
  entryPoints: ['bench/upload-bench.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/bench/upload-bench.mjs',
  logLevel: 'warning',
  // @sinonjs/fake-timers is CommonJS and requires Node built-ins.
  external: ['@sinonjs/fake-timers'],
});
try {
  execFileSync(process.execPath, ['dist/bench/upload-bench.mjs', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
} catch {
  process.exit(1);
}
