/**
 * Process entry for the `fieldflash` binary (bundled to dist/cli/fieldflash.mjs).
 * @module
 */
import { webcrypto } from 'node:crypto';
import { main } from './main.ts';

const code = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  subtle: webcrypto.subtle,
});
process.exitCode = code;
