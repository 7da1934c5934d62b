#!/usr/bin/env node
// Bundles and runs bench/size.ts in Node: `npm run bench:size [-- --json] [-- --runs N]`.
// Packages stay external (vite, playwright-core are used as installed).
// NODE_ENV=production: the build measured is the one `npm run build` ships
// (Vite would otherwise take NODE_ENV from the caller's environment).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

mkdirSync('dist/bench', { recursive: true });
await build({
  entryPoints: ['bench/size.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/bench/size.mjs',
  packages: 'external',
  logLevel: 'warning',
});
try {
  execFileSync(process.execPath, ['dist/bench/size.mjs', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
} catch {
  process.exit(1);
}
