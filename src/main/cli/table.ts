// The people's view of `vigil status`: a table a glance can read.

import { formatDuration, formatEpoch, formatEta, formatMetric, formatSince } from '../../shared/human';
import type { FleetSnapshot, WorkerSnapshot } from '../../shared/model';
import { renderHostLines } from './host-lines';

function age(iso: string | null, now: number): string {
  return formatSince(iso, now);
}

/** "12 / 50", as the popover says it. */
export function epochCell(w: Pick<WorkerSnapshot, 'epoch' | 'totalEpochs'>): string {
  return formatEpoch(w);
}

export function renderStatusTable(snap: FleetSnapshot, now = Date.parse(snap.generatedAt)): string {
  const header = ['WORKER', 'STATUS', 'EPOCH', 'LOSS', 'LAST PROGRESS', 'LAST CONTACT'];
  // The forecast's column only when some run has one (a single pass over files without times has none).
  const withEta = snap.workers.some((w) => w.etaAt);
  if (withEta) header.push('FINISH');
  const rows = snap.workers.map((w) => [
    w.name,
    w.status,
    epochCell(w),
    formatMetric(w.loss),
    age(w.lastProgressAt, now),
    age(w.lastContactAt, now),
    ...(withEta ? [w.etaAt ? formatEta(Date.parse(w.etaAt), now) : '–'] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  // A host-wide reason (an unknown host key, say) is spelled out once, not once per worker.
  const firstWith = new Map<string, string>();
  const notes = snap.workers
    .filter((w) => w.status !== 'running')
    .map((w) => {
      const earlier = firstWith.get(w.reason);
      if (earlier === undefined) firstWith.set(w.reason, w.name);
      return `  ${w.name}: ${w.status} — ${earlier === undefined ? w.reason : `same as ${earlier}`}`;
    });
  // A slowdown is a warning beside a running status, not a status: said under the table too.
  for (const w of snap.workers) if (w.slowdown) notes.push(`  ${w.name}: ⚠ ${w.slowdown.text}`);
  if (notes.length > 0) out.push('', ...notes);
  const hosts = renderHostLines(snap, now);
  if (hosts.length > 0) out.push('', ...hosts);
  const relay = (snap.relay ?? []).map((t) => {
    const waiting = t.pending > 0 ? `, ${t.pending} waiting` : '';
    const dropped = t.dropped > 0 ? `, ${t.dropped} dropped` : '';
    return t.state === 'failing'
      ? `  alerts → ${t.label}: FAILING for ${t.failingSince === null ? '?' : formatDuration(now - Date.parse(t.failingSince))}${waiting}${dropped} — ${t.error}`
      : `  alerts → ${t.label}: ok, last sent ${age(t.lastSentAt, now)}${waiting}${dropped}`;
  });
  if (relay.length > 0) out.push('', ...relay);
  return out.join('\n');
}
