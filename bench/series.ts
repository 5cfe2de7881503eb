// Series benchmark: a 1,000,000-point loss curve downsampled for a 600 px chart (1200 points), against
// the naive way — serialising every point to send it to the UI — measured in the same run.
//   npx tsx bench/series.ts          (already quick: the same figure with --quick)
// Prints `BENCH series_1m_ms <ms> ms baseline=<ms> ratio=<baseline/ours>`.

import { downsampleLttb } from '../src/main/engine/records/lttb';

const N = 1_000_000;
const xs = new Float64Array(N);
const ys = new Float64Array(N);
for (let i = 0; i < N; i++) {
  xs[i] = i;
  ys[i] = Math.exp(-i / (N / 5)) + Math.sin(i) * 0.01 + (i % 50_000 < 10 ? Number.NaN : 0);
}

function best(runs: number, fn: () => unknown): number {
  fn(); // warm the JIT, as a long-running engine would be
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const ours = best(7, () => JSON.stringify(downsampleLttb(xs, ys, 1200)));
const naive = best(3, () => {
  const points = new Array(N);
  for (let i = 0; i < N; i++) points[i] = { x: xs[i], y: Number.isNaN(ys[i]!) ? null : ys[i] };
  return JSON.stringify(points);
});
console.log(
  `BENCH series_1m_ms ${ours.toFixed(1)} ms baseline=${naive.toFixed(1)} ratio=${(naive / ours).toFixed(1)}`,
);
