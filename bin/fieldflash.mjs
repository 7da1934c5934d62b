#!/usr/bin/env node
// Launcher for the bundled CLI. `npm install`/`npm ci` builds it (the `prepare` script).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/fieldflash.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(
    'fieldflash: the CLI is not built yet; run `npm run build:cli` in the fieldflash folder\n',
  );
  process.exit(2);
}
await import(bundle.href);
