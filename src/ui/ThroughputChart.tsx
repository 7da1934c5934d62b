/**
 * A small live chart of upload throughput (kB/s over time), as an SVG
 * polyline. Decorative for screen readers: the same figures are in the text.
 * @module
 */
export function ThroughputChart({ samples }: { readonly samples: readonly number[] }) {
  const w = 240;
  const h = 48;
  const top = Math.max(1, ...samples);
  const step = samples.length > 1 ? w / (samples.length - 1) : w;
  const points = samples
    .map((v, i) => `${(i * step).toFixed(1)},${(h - (v / top) * (h - 4) - 2).toFixed(1)}`)
    .join(' ');
  return (
    <svg class="chart" viewBox={`0 0 ${w} ${h}`} aria-hidden="true" focusable="false">
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="2" />
    </svg>
  );
}
