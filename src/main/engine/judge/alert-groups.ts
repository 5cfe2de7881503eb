// One cause, one alert: when a host goes silent its workers all raise the same alert with the same
// reason in the same evaluation. They are told together, naming every worker, instead of one
// notification each.

import type { AlertEvent } from '../../../shared/contract';

export function groupAlerts(alerts: readonly AlertEvent[]): AlertEvent[] {
  const groups = new Map<string, AlertEvent & { workers: string[] }>();
  const ready: AlertEvent[] = [];
  for (const a of alerts) {
    // A host's alert already names its workers.
    if (a.host !== undefined) {
      ready.push(a);
      continue;
    }
    const key = `${a.kind}\u0000${a.message}`;
    const g = groups.get(key);
    if (g) g.workers.push(a.worker);
    else groups.set(key, { ...a, workers: [a.worker] });
  }
  // A group keeps its first worker's key: each worker's notice belongs to exactly one group.
  const grouped = [...groups.values()].map((g) => {
    if (g.workers.length > 1) return g;
    const one: AlertEvent = { worker: g.worker, kind: g.kind, message: g.message, at: g.at };
    if (g.key !== undefined) one.key = g.key;
    return one;
  });
  return [...grouped, ...ready];
}
