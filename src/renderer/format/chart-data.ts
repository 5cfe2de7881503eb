// Turns downsampled series into chart rows: one row per x, a column per metric (raw and smoothed).
// A gap (null) stays a gap. Where one metric has a point and another does not (LTTB picks different
// x for each), the other is interpolated between its neighbours so its line is not broken into
// dashes; outside its neighbours or next to a gap it stays null. On a log scale non-positive values
// are dropped (log 0 does not exist).

import type { MetricSeries } from '../../shared/contract';
import { smoothEma } from '../../shared/contract-smoothing';

export type ChartRow = { x: number } & Record<string, number | null | [number, number]>;

export const rawKey = (metric: string) => `raw:${metric}`;
export const smoothKey = (metric: string) => `ema:${metric}`;
export const BAND_KEY = 'band';

interface Column {
  xs: number[];
  raw: (number | null)[];
  smooth: (number | null)[];
}

function valueAt(column: Column, x: number, cursor: { i: number }, pick: 'raw' | 'smooth'): number | null {
  const { xs } = column;
  while (cursor.i < xs.length && xs[cursor.i]! < x) cursor.i++;
  const i = cursor.i;
  if (i < xs.length && xs[i] === x) return column[pick][i] ?? null;
  if (i === 0 || i >= xs.length) return null;
  const a = column[pick][i - 1];
  const b = column[pick][i];
  if (a === null || a === undefined || b === null || b === undefined) return null;
  const t = (x - xs[i - 1]!) / (xs[i]! - xs[i - 1]!);
  return a + (b - a) * t;
}

export function buildChartRows(
  series: readonly MetricSeries[],
  smoothing: number,
  logScale: boolean,
): ChartRow[] {
  const usable = (v: number | null) => (v === null || (logScale && v <= 0) ? null : v);
  const columns = series.map((s): Column => {
    const points = [...s.points].sort((a, b) => a.x - b.x);
    const raw = points.map((p) => usable(p.y));
    return { xs: points.map((p) => p.x), raw, smooth: smoothEma(raw, smoothing) };
  });
  const xs = [...new Set(columns.flatMap((c) => c.xs))].sort((a, b) => a - b);
  const cursors = columns.map(() => ({ raw: { i: 0 }, smooth: { i: 0 } }));
  const single = series.length === 1 ? series[0]! : null;
  const bands = new Map<number, [number, number]>();
  if (single) {
    for (const p of single.points) {
      const lo = usable(p.min);
      const hi = usable(p.max);
      if (lo !== null && hi !== null) bands.set(p.x, [lo, hi]);
    }
  }
  return xs.map((x) => {
    const row: ChartRow = { x } as ChartRow;
    series.forEach((s, k) => {
      row[rawKey(s.metric)] = valueAt(columns[k]!, x, cursors[k]!.raw, 'raw');
      row[smoothKey(s.metric)] = valueAt(columns[k]!, x, cursors[k]!.smooth, 'smooth');
    });
    if (single) row[BAND_KEY] = bands.get(x) ?? null;
    return row;
  });
}

export interface NonFiniteMark {
  metric: string;
  x1: number;
  x2: number;
  /** "loss NaN", "loss ∞": what the band says along its top. */
  label: string;
}

const VALUE_WORD = { NaN: 'NaN', Infinity: '∞', '-Infinity': '−∞', mixed: 'NaN/∞' } as const;

/**
 * The bands marking where each metric is NaN or ±Infinity, and the x domain that reaches them (a NaN tail
 * is the newest part of the run: the axis must not end where the numbers stopped). A stretch of one
 * record is widened to stay visible.
 */
export function nonFiniteMarks(
  series: readonly MetricSeries[],
  rows: readonly ChartRow[],
): { stretches: NonFiniteMark[]; domain: [number, number] } {
  const all = series.flatMap((s) => (s.nonFinite ?? []).map((n) => ({ metric: s.metric, ...n })));
  const xs = [...rows.map((r) => r.x), ...all.flatMap((n) => [n.from, n.to])];
  const lo = xs.length > 0 ? Math.min(...xs) : 0;
  const hi = xs.length > 0 ? Math.max(...xs) : 1;
  const min = Math.max((hi - lo) / 200, hi === lo ? 0.5 : 0);
  const stretches = all.map((n) => {
    const label = `${series.length > 1 ? `${n.metric} ` : ''}${VALUE_WORD[n.value]}`;
    if (n.to - n.from >= min) return { metric: n.metric, x1: n.from, x2: n.to, label };
    return { metric: n.metric, x1: n.from - min / 2, x2: n.to + min / 2, label };
  });
  const domain: [number, number] = [
    Math.min(lo, ...stretches.map((m) => m.x1)),
    Math.max(hi, ...stretches.map((m) => m.x2)),
  ];
  return { stretches, domain };
}
