// A tiny loss curve for a list row: plain SVG, cheaper than a chart library for many rows.
// Gaps (null) break the line; stretches where the loss is NaN or ±Infinity are marked along the top edge,
// up to the newest record, so a NaN tail never looks like a healthy curve that simply ends.

import type { NonFiniteStretch, SeriesPoint } from '../../shared/contract';

export interface SparklineGeometry {
  paths: string[];
  /** Marks for the non-finite stretches: where they start and how wide they are (at least 2 px). */
  bands: { x: number; width: number }[];
}

export function sparklineGeometry(
  points: readonly SeriesPoint[],
  stretches: readonly NonFiniteStretch[],
  width: number,
  height: number,
): SparklineGeometry {
  const finite = points.filter((p): p is SeriesPoint & { y: number } => p.y !== null);
  const xs = [...finite.map((p) => p.x), ...stretches.flatMap((s) => [s.from, s.to])];
  if (xs.length === 0) return { paths: [], bands: [] };
  // The x range reaches the newest record, even when its values are not numbers.
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const sx = (x: number) => (x1 === x0 ? 0 : ((x - x0) / (x1 - x0)) * width);
  const bands = stretches.map((s) => {
    const left = Math.min(sx(s.from), width - 2);
    return { x: Number(left.toFixed(1)), width: Number(Math.max(2, sx(s.to) - left).toFixed(1)) };
  });
  if (finite.length < 2) return { paths: [], bands };
  const ys = finite.map((p) => p.y);
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sy = (y: number) => (y1 === y0 ? height / 2 : height - ((y - y0) / (y1 - y0)) * height);
  const paths: string[] = [];
  let current = '';
  for (const p of points) {
    if (p.y === null) {
      if (current) paths.push(current);
      current = '';
      continue;
    }
    current += `${current ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`;
  }
  if (current) paths.push(current);
  return { paths, bands };
}

/** The line alone (no NaN marks). */
export function sparklinePaths(points: readonly SeriesPoint[], width: number, height: number): string[] {
  return sparklineGeometry(points, [], width, height).paths;
}

export function Sparkline({
  points,
  nonFinite = [],
  label,
}: {
  points: readonly SeriesPoint[];
  nonFinite?: readonly NonFiniteStretch[];
  label: string;
}) {
  const width = 64;
  const height = 18;
  const { paths, bands } = sparklineGeometry(points, nonFinite, width, height);
  const last = nonFinite.at(-1);
  const full = last ? `${label}; ${last.value === 'mixed' ? 'NaN/Infinity' : last.value} at the end` : label;
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={full}
    >
      {bands.map((b) => (
        <g key={`${b.x}:${b.width}`} className="sparkline-nan">
          <rect x={b.x} y={0} width={b.width} height={height} opacity={0.18} />
          <rect x={b.x} y={0} width={b.width} height={3} />
        </g>
      ))}
      {paths.map((d) => (
        <path key={d} d={d} fill="none" stroke="currentColor" strokeWidth={1.25} />
      ))}
    </svg>
  );
}
