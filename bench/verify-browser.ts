/** Browser side of `npm run bench:verify`: exposes the bench to the page. */
import { runVerifyBench, type BenchInput } from './verify-bench.ts';

declare global {
  interface Window {
    runVerifyBench: (
      keys: BenchInput['keys'],
      sizes: number[],
    ) => ReturnType<typeof runVerifyBench>;
  }
}

window.runVerifyBench = (keys, sizes) =>
  runVerifyBench({ keys, sizes, subtle: crypto.subtle, now: () => performance.now() });
