// The forecast and the fleet summary as words. Pure, so the wording is tested without rendering.

import { formatDuration, formatEta, formatPace } from '../../shared/human';
import { STATUS_SEVERITY, type WorkerSnapshot, type WorkerStatus } from '../../shared/model';

/** "1 h 20 min left", or null without an ETA (the engine gives none it cannot stand by). */
export function etaText(w: Pick<WorkerSnapshot, 'etaAt'>, now: number): string | null {
  if (!w.etaAt) return null;
  const at = Date.parse(w.etaAt);
  return Number.isNaN(at) ? null : formatEta(at, now);
}

/**
 * When it should finish, to the minute (seconds would claim a precision no forecast has): "at 14:05",
 * another day "Thu 14:05".
 */
export function finishClock(etaMs: number, now: number): string {
  const at = new Date(etaMs);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (at.toDateString() === new Date(now).toDateString()) return `at ${time}`;
  return `${at.toLocaleDateString([], { weekday: 'short' })} ${time}`;
}

/** "2.5 steps/s · 5 min per epoch", what is known of it, or null. */
export function paceText(w: Pick<WorkerSnapshot, 'stepsPerSecond' | 'secondsPerEpoch'>): string | null {
  const parts: string[] = [];
  if (w.stepsPerSecond != null) parts.push(formatPace(w.stepsPerSecond));
  if (w.secondsPerEpoch != null) parts.push(`${formatDuration(w.secondsPerEpoch * 1000)} per epoch`);
  return parts.length === 0 ? null : parts.join(' · ');
}

/** "2 failed · 1 stalled · 3 running": each status present, worst first; '' for no workers. */
export function summaryText(workers: readonly Pick<WorkerSnapshot, 'status'>[]): string {
  const counts = new Map<WorkerStatus, number>();
  for (const w of workers) counts.set(w.status, (counts.get(w.status) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => STATUS_SEVERITY[a] - STATUS_SEVERITY[b])
    .map(([status, n]) => `${n} ${status}`)
    .join(' · ');
}

/** The page title: "Vigil — 2 failed · 3 running" (the tab says it with the page in the background). */
export function pageTitle(workers: readonly Pick<WorkerSnapshot, 'status'>[] | null): string {
  const summary = workers ? summaryText(workers) : '';
  return summary ? `Vigil — ${summary}` : 'Vigil';
}
