// After the laptop sleeps, one notification sums up what changed instead of a burst of stale alerts.

import { formatDuration } from '../../shared/human';
import type { FleetSnapshot, WorkerSnapshot } from '../../shared/model';
import { ALARM_STATUSES } from '../../shared/model';

function change(before: WorkerSnapshot | undefined, after: WorkerSnapshot): string | null {
  if (!before) return `${after.name} is new (${after.status})`;
  if (before.status !== after.status) {
    const progress = before.epoch !== after.epoch && after.epoch !== null ? `, epoch ${after.epoch}` : '';
    return `${after.name}: ${before.status} → ${after.status}${progress}`;
  }
  if (before.epoch !== after.epoch && after.epoch !== null) {
    const total = after.totalEpochs !== null ? ` / ${after.totalEpochs}` : '';
    return `${after.name}: epoch ${before.epoch ?? '?'} → ${after.epoch}${total}`;
  }
  return null;
}

/** The notification after a resume, or null when nothing worth saying changed. */
export function summarizeResume(
  before: FleetSnapshot,
  after: FleetSnapshot,
  sleptMs: number,
): { title: string; body: string } | null {
  const old = new Map(before.workers.map((w) => [w.name, w]));
  const lines = after.workers.map((w) => change(old.get(w.name), w)).filter((l): l is string => l !== null);
  const alarmed = after.workers.filter((w) => ALARM_STATUSES.includes(w.status)).length;
  if (lines.length === 0) return null;
  const title =
    alarmed > 0
      ? `While you were away (${formatDuration(sleptMs)}): ${alarmed} need${alarmed === 1 ? 's' : ''} attention`
      : `While you were away (${formatDuration(sleptMs)})`;
  return { title, body: lines.join('\n') };
}
