// Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013) that respects gaps and reports a
// min/max envelope. A gap (a non-finite value, or a non-finite x) splits the series into segments;
// each segment is downsampled on its own and a `y: null` marker sits between them, so a chart breaks
// the line there instead of drawing a bridge across missing data. Each output point carries the min
// and max of the raw values it stands for, so a spike that LTTB does not pick is still visible.

import type { SeriesPoint } from '../../../shared/contract';

interface Segment {
  start: number;
  /** Exclusive. */
  end: number;
}

function findSegments(xs: ArrayLike<number>, ys: ArrayLike<number>): Segment[] {
  const segments: Segment[] = [];
  let start = -1;
  for (let i = 0; i < ys.length; i++) {
    const ok = Number.isFinite(ys[i]!) && Number.isFinite(xs[i]!);
    if (ok && start < 0) start = i;
    else if (!ok && start >= 0) {
      segments.push({ start, end: i });
      start = -1;
    }
  }
  if (start >= 0) segments.push({ start, end: ys.length });
  return segments;
}

function point(x: number, y: number, min = y, max = y): SeriesPoint {
  return { x, y, min, max };
}

function envelope(ys: ArrayLike<number>, from: number, to: number): [number, number] {
  let min = ys[from]!;
  let max = min;
  for (let i = from + 1; i < to; i++) {
    const v = ys[i]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return [min, max];
}

/** LTTB over one gap-free segment [start, end) into `budget` points (budget ≥ 2). */
function lttbSegment(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  start: number,
  end: number,
  budget: number,
  out: SeriesPoint[],
): void {
  const n = end - start;
  if (budget >= n) {
    for (let i = start; i < end; i++) out.push(point(xs[i]!, ys[i]!));
    return;
  }
  if (budget < 3) {
    // Two points: first and last, each standing for half of the segment.
    const mid = start + Math.floor(n / 2);
    const [lo1, hi1] = envelope(ys, start, mid);
    out.push(point(xs[start]!, ys[start]!, lo1, hi1));
    const [lo2, hi2] = envelope(ys, mid, end);
    out.push(point(xs[end - 1]!, ys[end - 1]!, lo2, hi2));
    return;
  }
  // The first and last points are kept; the n-2 points between are split into budget-2 buckets.
  const every = (n - 2) / (budget - 2);
  let a = start;
  out.push(point(xs[a]!, ys[a]!));
  for (let bucket = 0; bucket < budget - 2; bucket++) {
    const from = start + 1 + Math.floor(bucket * every);
    const to = Math.min(end - 1, start + 1 + Math.floor((bucket + 1) * every));
    // The average of the next bucket is the third vertex of the triangle.
    const nextFrom = to;
    const nextTo = Math.min(end, start + 1 + Math.floor((bucket + 2) * every));
    let avgX = 0;
    let avgY = 0;
    const nextLen = Math.max(1, nextTo - nextFrom);
    for (let j = nextFrom; j < nextFrom + nextLen && j < end; j++) {
      avgX += xs[j]!;
      avgY += ys[j]!;
    }
    avgX /= nextLen;
    avgY /= nextLen;
    const ax = xs[a]!;
    const ay = ys[a]!;
    let best = from;
    let bestArea = -1;
    let min = ys[from]!;
    let max = min;
    for (let j = from; j < to; j++) {
      const y = ys[j]!;
      if (y < min) min = y;
      if (y > max) max = y;
      const area = Math.abs((ax - avgX) * (y - ay) - (ax - xs[j]!) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(point(xs[best]!, ys[best]!, min, max));
    a = best;
  }
  out.push(point(xs[end - 1]!, ys[end - 1]!));
}

/** When gaps are so many that segments cannot each get two points: one point per bucket, null if empty. */
function bucketed(xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints: number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  const every = ys.length / maxPoints;
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor(b * every);
    const to = Math.floor((b + 1) * every);
    if (to <= from) continue;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let first = -1;
    let hasGap = false;
    for (let i = from; i < to; i++) {
      const y = ys[i]!;
      if (!Number.isFinite(y) || !Number.isFinite(xs[i]!)) {
        hasGap = true;
        continue;
      }
      if (first < 0) first = i;
      if (y < min) min = y;
      if (y > max) max = y;
    }
    if (first < 0) {
      if (Number.isFinite(xs[from]!)) out.push(gap(xs[from]!));
      continue;
    }
    out.push(point(xs[first]!, ys[first]!, min, max));
    // A bucket that mixes values and gaps ends with a break so the line is not drawn across it.
    if (hasGap && Number.isFinite(xs[to - 1]!)) out.push(gap(xs[to - 1]!));
  }
  return out.slice(0, maxPoints);
}

/**
 * Downsamples (xs, ys) to at most maxPoints points, gaps kept as `y: null` markers.
 * xs must be in ascending order (as steps, epochs and times of one run are).
 */
export function downsampleLttb(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  maxPoints: number,
): SeriesPoint[] {
  const n = Math.min(xs.length, ys.length);
  if (n === 0) return [];
  const segments = findSegments(xs, ys);
  if (segments.length === 0) return [];
  const leadingGap = segments[0]!.start > 0;
  const trailingGap = segments.at(-1)!.end < n;
  const gapMarkers = segments.length - 1 + (leadingGap ? 1 : 0) + (trailingGap ? 1 : 0);
  const finitePoints = segments.reduce((sum, s) => sum + (s.end - s.start), 0);
  if (finitePoints + gapMarkers <= maxPoints) return copyAll(xs, ys, n);
  const available = maxPoints - gapMarkers;
  if (available < segments.length * 2) return bucketed(xs, ys, maxPoints);

  // Each segment gets a share of the budget proportional to its length, at least what it needs to
  // show as a line (two points), at most its own length.
  const budgets = segments.map((s) => Math.min(s.end - s.start, 2));
  let left = available - budgets.reduce((a, b) => a + b, 0);
  const extra = segments.map((s) => Math.floor((left * (s.end - s.start)) / finitePoints));
  segments.forEach((s, i) => {
    const add = Math.min(extra[i]!, s.end - s.start - budgets[i]!);
    budgets[i]! += add;
    left -= add;
  });

  const out: SeriesPoint[] = [];
  segments.forEach((s, i) => {
    if (i > 0 || leadingGap) out.push(gap(firstFinite(xs, s.start - 1, s.start)));
    if (budgets[i]! === 1) out.push(point(xs[s.start]!, ys[s.start]!));
    else lttbSegment(xs, ys, s.start, s.end, budgets[i]!, out);
  });
  const end = segments.at(-1)!.end;
  if (trailingGap) out.push(gap(firstFinite(xs, end, end - 1)));
  return out;
}

function gap(x: number): SeriesPoint {
  return { x, y: null, min: null, max: null };
}

/** The x of a gap marker: a missing point's own x when it has one, else its neighbour's. */
function firstFinite(xs: ArrayLike<number>, preferred: number, fallback: number): number {
  const x = xs[preferred];
  return x !== undefined && Number.isFinite(x) ? x : xs[fallback]!;
}

function copyAll(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  let inGap = false;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    const ok = Number.isFinite(x) && Number.isFinite(y);
    if (ok) out.push(point(x, y));
    else if (!inGap && Number.isFinite(x)) out.push(gap(x));
    inGap = !ok;
  }
  return out;
}
