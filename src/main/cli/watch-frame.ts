// `vigil status --watch`, the pure half: the frame a terminal shows (the `vigil status` table under a
// title, fitted to the window, statuses coloured) and, for a pipe or a file, the lines that say what
// changed between two snapshots. The terminal adapter (watch-term.ts) only writes what these return.

import type { FleetSnapshot, WorkerStatus } from '../../shared/model';
import { renderStatusTable } from './table';

/** SGR colour per status: green all well, yellow overdue, red broken, magenta silent, dim not known. */
const COLOUR: Record<WorkerStatus, string> = {
  running: '32',
  late: '33',
  stalled: '1;33',
  unreachable: '35',
  diverged: '1;31',
  failed: '1;31',
  error: '31',
  finished: '36',
  unknown: '2',
};

const paint = (s: string, code: string) => `\x1b[${code}m${s}\x1b[0m`;

/** Local wall-clock time, HH:MM:SS (what a person compares with the clock on the wall). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** "3 running · 1 stalled", worst first: the title says the fleet's state before the table does. */
export function statusCounts(snap: FleetSnapshot): string {
  const order: WorkerStatus[] = [
    'failed',
    'diverged',
    'error',
    'stalled',
    'unreachable',
    'late',
    'unknown',
    'running',
    'finished',
  ];
  const n = new Map<WorkerStatus, number>();
  for (const w of snap.workers) n.set(w.status, (n.get(w.status) ?? 0) + 1);
  return order
    .filter((s) => n.has(s))
    .map((s) => `${n.get(s)} ${s}`)
    .join(' · ');
}

export interface FrameOptions {
  /** Terminal columns and rows. */
  width: number;
  height: number;
  /** Colour the statuses (a terminal, NO_COLOR unset). */
  color: boolean;
  now?: number;
}

/**
 * The whole screen as lines, each at most `width` characters before colour codes, at most `height` lines:
 * a window too small says how many lines it hides rather than scroll (a scrolled redraw smears).
 */
export function renderFrame(snap: FleetSnapshot, opts: FrameOptions): string[] {
  const now = opts.now ?? Date.parse(snap.generatedAt);
  const width = Math.max(10, opts.width);
  const height = Math.max(3, opts.height);
  const counts = statusCounts(snap);
  const title = `vigil · ${clockTime(now)} · ${counts || 'no workers'} · q quits`;
  const table = renderStatusTable(snap, now).split('\n');
  let lines = [title, '', ...table];
  if (lines.length > height) {
    const hidden = lines.length - (height - 1);
    lines = [...lines.slice(0, height - 1), `… ${hidden} more line(s): enlarge the window`];
  }
  const clip = (l: string) => (l.length > width ? `${l.slice(0, width - 1)}…` : l);
  // The rows follow the header line, one per worker in order (found, not assumed: the table may grow a
  // line above it).
  const header = lines.findIndex((l) => /^WORKER\s+STATUS\b/.test(l));
  const statusCol = header < 0 ? -1 : lines[header]!.indexOf('STATUS');
  return lines.map((raw, i) => {
    const line = clip(raw);
    const w = header < 0 || i <= header ? undefined : snap.workers[i - header - 1];
    if (!opts.color || !w || statusCol < 0) return line;
    const end = statusCol + w.status.length;
    if (line.slice(statusCol, end) !== w.status) return line;
    return `${line.slice(0, statusCol)}${paint(w.status, COLOUR[w.status])}${line.slice(end)}`;
  });
}

/**
 * What changed from one snapshot to the next, one line each: a worker's status (its first appearance
 * too), a host's connection, a new host warning. Ages and reasons that merely tick on are not changes.
 */
export function changeLines(
  prev: FleetSnapshot | null,
  next: FleetSnapshot,
  now = Date.parse(next.generatedAt),
): string[] {
  const t = clockTime(now);
  const out: string[] = [];
  const before = new Map((prev?.workers ?? []).map((w) => [w.name, w]));
  for (const w of next.workers) {
    const p = before.get(w.name);
    if (!p) out.push(`${t} ${w.name} ${w.status}: ${w.reason}`);
    else if (p.status !== w.status) out.push(`${t} ${w.name} ${p.status} → ${w.status}: ${w.reason}`);
  }
  const hostsBefore = new Map((prev?.hosts ?? []).map((h) => [h.name, h]));
  for (const h of next.hosts ?? []) {
    const p = hostsBefore.get(h.name);
    if (p && p.connection !== h.connection) out.push(`${t} host ${h.name} ${p.connection} → ${h.connection}`);
    // A warning is one episode (kind and start) however its text's figures move on.
    const known = new Set((p?.warnings ?? []).map((x) => `${x.kind}\0${x.since}`));
    for (const x of h.warnings)
      if (!known.has(`${x.kind}\0${x.since}`)) out.push(`${t} host ${h.name} ⚠ ${x.text}`);
  }
  return out;
}
