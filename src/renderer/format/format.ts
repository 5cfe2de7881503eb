// How the UI orders workers and labels chart axes. Pure, so it is tested without rendering.

import { STATUS_SEVERITY, type WorkerSnapshot } from '../../shared/model';
import { formatTimeOfDay } from './time-ticks';

// The wording of numbers, ages and epochs is shared with the CLI and the engine (shared/human.ts);
// these names stay so the components read as before.
export { formatEpoch, formatMetric as formatValue, formatSince as formatRelative } from '../../shared/human';

/** Problems first (model.ts's severity order), then in the config's order (the sort is stable). */
export function sortWorkers(workers: readonly WorkerSnapshot[]): WorkerSnapshot[] {
  return [...workers].sort((a, b) => STATUS_SEVERITY[a.status] - STATUS_SEVERITY[b.status]);
}

export function formatAxisValue(x: number, axis: 'step' | 'epoch' | 'time'): string {
  if (axis === 'time') return formatTimeOfDay(x);
  if (axis === 'epoch') return Number(x.toFixed(2)).toString();
  return x >= 10_000 ? `${Number((x / 1000).toFixed(1))}k` : String(x);
}
