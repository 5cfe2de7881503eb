// Answers one getSeries request from a raw series held in memory: the x axis the caller chose, the
// optional range, then gap-aware LTTB to the caller's point budget.

import type { MetricSeries, NonFiniteStretch, SeriesOptions } from '../../../shared/contract';
import { downsampleLttb } from './lttb';

export interface RawSeries {
  /** One entry per record; NaN where the record has no such value (e.g. no time column). */
  step: ArrayLike<number>;
  epoch: ArrayLike<number>;
  time: ArrayLike<number>;
  values: ArrayLike<number>;
  length: number;
}

/** First index of an ascending array whose x is past the target (≥ it, or > it when `inclusive`). */
function bound(xs: ArrayLike<number>, target: number, length: number, inclusive: boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = xs[mid]!;
    if (x < target || (inclusive && x === target)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isAscending(xs: ArrayLike<number>, length: number): boolean {
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < length; i++) {
    const x = xs[i]!;
    if (Number.isNaN(x)) return false;
    if (x < prev) return false;
    prev = x;
  }
  return true;
}

function slice(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (a instanceof Float64Array) return a.subarray(from, to);
  return Array.prototype.slice.call(a, from, to) as number[];
}

export function querySeries(metric: string, raw: RawSeries, options: SeriesOptions): MetricSeries {
  let xs = options.x === 'step' ? raw.step : options.x === 'epoch' ? raw.epoch : raw.time;
  let ys = raw.values;
  let length = raw.length;
  if (options.range) {
    const { from, to } = options.range;
    if (isAscending(xs, length)) {
      const lo = bound(xs, from, length, false);
      const hi = bound(xs, to, length, true);
      xs = slice(xs, lo, hi);
      ys = slice(ys, lo, hi);
    } else {
      // A restarted run may step backwards; keep the order, filter by value.
      const keepX: number[] = [];
      const keepY: number[] = [];
      for (let i = 0; i < length; i++) {
        const x = xs[i]!;
        if (x >= from && x <= to) {
          keepX.push(x);
          keepY.push(ys[i]!);
        }
      }
      xs = keepX;
      ys = keepY;
    }
    length = xs.length;
  }
  const out: MetricSeries = {
    metric,
    totalPoints: length,
    points: downsampleLttb(xs, ys, options.maxPoints),
  };
  const stretches = nonFiniteStretches(xs, ys, length);
  if (stretches.length > 0) out.nonFinite = stretches;
  return out;
}

/** More stretches than this are merged into as many even spans of the x range (a flickering NaN). */
const MAX_STRETCHES = 200;

function kindOf(v: number): NonFiniteStretch['value'] {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The stretches where the values are NaN or ±Infinity (records whose x is unknown aside): the line
 * breaks there, and the chart marks them, up to the newest record.
 */
export function nonFiniteStretches(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  length: number,
): NonFiniteStretch[] {
  const out: NonFiniteStretch[] = [];
  let open: NonFiniteStretch | null = null;
  for (let i = 0; i < length; i++) {
    const x = xs[i]!;
    if (!Number.isFinite(x)) continue;
    const y = ys[i]!;
    if (Number.isFinite(y)) {
      open = null;
      continue;
    }
    const kind = kindOf(y);
    if (open === null) {
      open = { from: x, to: x, value: kind };
      out.push(open);
    } else {
      open.to = x;
      if (open.value !== kind) open.value = 'mixed';
    }
  }
  return out.length <= MAX_STRETCHES ? out : coalesce(out);
}

function coalesce(stretches: NonFiniteStretch[]): NonFiniteStretch[] {
  const lo = stretches[0]!.from;
  const span = Math.max(1e-9, stretches.at(-1)!.to - lo);
  const out: NonFiniteStretch[] = [];
  for (const s of stretches) {
    const last = out.at(-1);
    const bucket = Math.floor(((s.from - lo) / span) * MAX_STRETCHES);
    if (last && Math.floor(((last.to - lo) / span) * MAX_STRETCHES) >= bucket - 1) {
      last.to = Math.max(last.to, s.to);
      if (last.value !== s.value) last.value = 'mixed';
    } else out.push({ ...s });
  }
  return out;
}
