// How numbers and times read in the UI. Pure, so the wording is tested without rendering.

import { STATUS_SEVERITY, type WorkerSnapshot } from '../../shared/model';
import { formatTimeOfDay } from './time-ticks';

export function formatRelative(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown';
  const seconds = Math.round((now - then) / 1000);
  // Same threshold as the engine's reasons, so a row never says "just now" beside "3 s ago".
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h ago` : `${hours} h ${minutes % 60} min ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** Metric values: NaN and infinities spelled out (a NaN loss must be seen), else 4 significant digits. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '∞';
  if (v === Number.NEGATIVE_INFINITY) return '−∞';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

export function formatEpoch(w: Pick<WorkerSnapshot, 'epoch' | 'totalEpochs'>): string {
  if (w.epoch === null) return '—';
  const epoch = Number.isInteger(w.epoch) ? String(w.epoch) : w.epoch.toFixed(1);
  return w.totalEpochs === null ? epoch : `${epoch} / ${w.totalEpochs}`;
}

/** Problems first (model.ts's severity order), then in the config's order (the sort is stable). */
export function sortWorkers(workers: readonly WorkerSnapshot[]): WorkerSnapshot[] {
  return [...workers].sort((a, b) => STATUS_SEVERITY[a.status] - STATUS_SEVERITY[b.status]);
}

export function formatAxisValue(x: number, axis: 'step' | 'epoch' | 'time'): string {
  if (axis === 'time') return formatTimeOfDay(x);
  if (axis === 'epoch') return Number(x.toFixed(2)).toString();
  return x >= 10_000 ? `${Number((x / 1000).toFixed(1))}k` : String(x);
}
