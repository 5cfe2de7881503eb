// A tiny loss curve for a list row: plain SVG, cheaper than a chart library for many rows.
// Gaps (null) break the line.

import type { SeriesPoint } from '../../shared/contract';

export function sparklinePaths(points: readonly SeriesPoint[], width: number, height: number): string[] {
  const finite = points.filter((p): p is SeriesPoint & { y: number } => p.y !== null);
  if (finite.length < 2) return [];
  const xs = finite.map((p) => p.x);
  const ys = finite.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => (x1 === x0 ? 0 : ((x - x0) / (x1 - x0)) * width);
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
  return paths;
}

export function Sparkline({ points, label }: { points: readonly SeriesPoint[]; label: string }) {
  const width = 64;
  const height = 18;
  const paths = sparklinePaths(points, width, height);
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      {paths.map((d) => (
        <path key={d} d={d} fill="none" stroke="currentColor" strokeWidth={1.25} />
      ))}
    </svg>
  );
}
