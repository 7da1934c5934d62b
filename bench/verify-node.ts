/** Node side of `npm run bench:verify`: runs the bench and prints its rows as JSON. */
import { webcrypto } from 'node:crypto';
import { runVerifyBench } from './verify-bench.ts';

const keys = JSON.parse(process.argv[2] ?? 'null') as Parameters<typeof runVerifyBench>[0]['keys'];
const sizes = JSON.parse(process.argv[3] ?? '[65536]') as number[];
const rows = await runVerifyBench({
  keys,
  sizes,
  subtle: webcrypto.subtle,
  now: () => performance.now(),
});
process.stdout.write(JSON.stringify(rows));
