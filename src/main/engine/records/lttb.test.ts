import { describe, expect, it } from 'vitest';
import { downsampleLttb } from './lttb';
import { querySeries } from './series-query';

function ramp(n: number, f: (i: number) => number): [Float64Array, Float64Array] {
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = f(i);
  }
  return [xs, ys];
}

describe('gap-aware LTTB', () => {
  it('returns short series unchanged', () => {
    const [xs, ys] = ramp(5, (i) => i * 2);
    expect(downsampleLttb(xs, ys, 100).map((p) => p.y)).toEqual([0, 2, 4, 6, 8]);
  });

  it('keeps the first and last points and stays within budget', () => {
    const [xs, ys] = ramp(10_000, (i) => Math.sin(i / 50));
    const out = downsampleLttb(xs, ys, 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out[0]!.x).toBe(0);
    expect(out.at(-1)!.x).toBe(9999);
    // x stays in order so the line is drawn left to right.
    for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x);
  });

  it('keeps a single spike visible: picked by LTTB and inside the envelope', () => {
    const [xs, ys] = ramp(100_000, (i) => (i === 54_321 ? 50 : 1));
    const out = downsampleLttb(xs, ys, 300);
    expect(Math.max(...out.map((p) => p.max ?? 0))).toBe(50);
    expect(out.some((p) => p.y === 50)).toBe(true);
  });

  it('breaks the line at NaN values instead of bridging them', () => {
    const [xs, ys] = ramp(10_000, (i) => (i >= 4000 && i < 4500 ? Number.NaN : 1 + i / 10_000));
    const out = downsampleLttb(xs, ys, 100);
    const gaps = out.filter((p) => p.y === null);
    expect(gaps).toHaveLength(1);
    const gapIndex = out.findIndex((p) => p.y === null);
    expect(out[gapIndex - 1]!.x).toBeLessThan(4000);
    expect(out[gapIndex + 1]!.x).toBeGreaterThanOrEqual(4500);
    expect(out.length).toBeLessThanOrEqual(100);
  });

  it('marks leading and trailing gaps and short series with gaps', () => {
    const out = downsampleLttb([0, 1, 2, 3, 4], [Number.NaN, 1, 2, Number.NaN, Number.NaN], 100);
    expect(out.map((p) => p.y)).toEqual([null, 1, 2, null]);
    const big = ramp(1000, (i) => (i < 10 || i > 990 ? Number.NaN : i));
    const down = downsampleLttb(big[0], big[1], 50);
    expect(down[0]!.y).toBeNull();
    expect(down.at(-1)!.y).toBeNull();
    expect(down.length).toBeLessThanOrEqual(50);
  });

  it('stays within budget when gaps are everywhere', () => {
    const [xs, ys] = ramp(100_000, (i) => (i % 3 === 0 ? Number.NaN : i));
    const out = downsampleLttb(xs, ys, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.some((p) => p.y === null)).toBe(true);
  });

  it('reduces a 1,000,000-point curve to 1200 points that keep its shape (speed: bench/series.ts)', () => {
    const [xs, ys] = ramp(1_000_000, (i) => Math.exp(-i / 200_000) + (i === 777_777 ? 5 : 0));
    const out = downsampleLttb(xs, ys, 1200);
    expect(out).toHaveLength(1200);
    expect(out[0]!.x).toBe(0);
    expect(out.at(-1)!.x).toBe(999_999);
    // A one-point spike in a million survives, in the line or in its bucket's max.
    expect(out.some((p) => (p.y ?? 0) > 5 || (p.max ?? 0) > 5)).toBe(true);
  });
});

describe('querySeries', () => {
  const n = 1000;
  const raw = {
    step: Float64Array.from({ length: n }, (_, i) => i * 10),
    epoch: Float64Array.from({ length: n }, (_, i) => i / 100),
    time: Float64Array.from({ length: n }, (_, i) => 1e12 + i * 1000),
    values: Float64Array.from({ length: n }, (_, i) => 1 / (1 + i)),
    length: n,
  };

  it('uses the chosen x axis and the inclusive range', () => {
    const s = querySeries('loss', raw, { maxPoints: 5000, x: 'epoch', range: { from: 2, to: 3 } });
    expect(s.totalPoints).toBe(101);
    expect(s.points[0]!.x).toBe(2);
    expect(s.points.at(-1)!.x).toBe(3);
  });

  it('filters by value when the x axis steps backwards (a restarted run)', () => {
    const restarted = { ...raw, step: Float64Array.from({ length: n }, (_, i) => (i < 500 ? i : i - 400)) };
    const s = querySeries('loss', restarted, { maxPoints: 5000, x: 'step', range: { from: 100, to: 199 } });
    expect(s.totalPoints).toBe(200);
  });
});
