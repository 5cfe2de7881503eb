// The outbox as a log of records, and what the log means (pure). An alert is added with the targets it
// must reach; each delivery adds a `sent` record; the outbox is bounded, and the oldest alert is dropped
// (counted, per target) when it is full. Replaying the records after a crash gives back exactly the
// deliveries still owed: a `sent` on disk is never sent again, an alert without one is (with its key).

import type { RelayAlert } from './types';

/** Alerts kept waiting at most; beyond it the oldest is dropped with a counted note. */
export const OUTBOX_MAX_ALERTS = 1000;

export type OutboxRecord =
  | { op: 'meta'; version: 1; dropped: Record<string, number> }
  | { op: 'add'; alert: RelayAlert; targets: string[]; queuedAt: number }
  | { op: 'sent'; key: string; target: string; at: number }
  | { op: 'drop'; key: string; target: string | null; why: DropReason };

export type DropReason = 'outbox full' | 'refused by the receiver' | 'target removed';

export interface OutboxEntry {
  alert: RelayAlert;
  /** Target ids still owed this alert, in config order. */
  pending: string[];
  queuedAt: number;
}

export interface OutboxState {
  /** Alerts still owed to some target, oldest first (Map keeps insertion order). */
  entries: Map<string, OutboxEntry>;
  /** Alerts given up per target (full outbox, refused, target removed). */
  dropped: Record<string, number>;
}

export const emptyOutbox = (): OutboxState => ({ entries: new Map(), dropped: {} });

/** Applies one record; unknown or malformed records are ignored (a newer Vigil may write more kinds). */
export function applyRecord(state: OutboxState, r: OutboxRecord): void {
  switch (r.op) {
    case 'meta':
      for (const [t, n] of Object.entries(r.dropped ?? {})) state.dropped[t] = (state.dropped[t] ?? 0) + n;
      return;
    case 'add':
      if (!r.alert || typeof r.alert.key !== 'string' || !Array.isArray(r.targets)) return;
      if (state.entries.has(r.alert.key) || r.targets.length === 0) return;
      state.entries.set(r.alert.key, { alert: r.alert, pending: [...r.targets], queuedAt: r.queuedAt });
      return;
    case 'sent':
    case 'drop': {
      const e = state.entries.get(r.key);
      if (!e) return;
      const gone = r.op === 'drop' && r.target === null ? [...e.pending] : [r.target as string];
      if (r.op === 'drop') for (const t of gone) state.dropped[t] = (state.dropped[t] ?? 0) + 1;
      e.pending = e.pending.filter((t) => !gone.includes(t));
      if (e.pending.length === 0) state.entries.delete(r.key);
      return;
    }
  }
}

/** Parses the log's text; a torn or garbled line (a crash mid-write) is skipped, not fatal. */
export function replay(text: string): { state: OutboxState; records: number } {
  const state = emptyOutbox();
  let records = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let r: OutboxRecord;
    try {
      r = JSON.parse(line) as OutboxRecord;
    } catch {
      continue;
    }
    if (r && typeof r === 'object') {
      applyRecord(state, r);
      records++;
    }
  }
  return { state, records };
}

/** The records that say the same as the whole log: what compaction writes. */
export function compacted(state: OutboxState): OutboxRecord[] {
  return [
    { op: 'meta', version: 1, dropped: { ...state.dropped } },
    ...[...state.entries.values()].map(
      (e): OutboxRecord => ({ op: 'add', alert: e.alert, targets: e.pending, queuedAt: e.queuedAt }),
    ),
  ];
}

/** Compact when the log holds far more records than the alerts it still owes. */
export const shouldCompact = (records: number, state: OutboxState): boolean =>
  records > 256 + 4 * state.entries.size;

/** The alerts to drop so one more fits: the oldest first. */
export function overflow(state: OutboxState, max = OUTBOX_MAX_ALERTS): string[] {
  const extra = state.entries.size + 1 - max;
  return extra > 0 ? [...state.entries.keys()].slice(0, extra) : [];
}
