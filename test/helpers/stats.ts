/** Percentiles of timing samples, rounded to 0.01 ms, for test logs. */
export function percentiles(samples: readonly number[]): { p50: string; p95: string; max: string } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.floor(q * (sorted.length - 1))] ?? 0).toFixed(2);
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}
