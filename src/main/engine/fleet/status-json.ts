// `vigil status --json` exactly as README.md (Command line) documents it: missing values null,
// non-finite numbers as the strings "NaN", "Infinity", "-Infinity".

import { encodeMetrics, encodeNumber } from '../../../shared/json-numbers';
import type { FleetSnapshot } from '../../../shared/model';

export function statusJson(snap: FleetSnapshot): unknown {
  const out: Record<string, unknown> = {
    generatedAt: snap.generatedAt,
    workers: snap.workers.map((w) => ({
      name: w.name,
      host: w.host,
      status: w.status,
      reason: w.reason,
      epoch: encodeNumber(w.epoch),
      totalEpochs: encodeNumber(w.totalEpochs),
      step: encodeNumber(w.step),
      loss: encodeNumber(w.loss),
      lossMetric: w.lossMetric,
      metrics: encodeMetrics(w.metrics),
      records: w.records,
      lastProgressAt: w.lastProgressAt,
      lastContactAt: w.lastContactAt,
      mirror: w.mirror,
      sync: w.sync.map((r) => ({ to: r.to, lastSyncAt: r.lastSyncAt, result: r.result })),
    })),
  };
  // Where alerts are relayed (alerts.notify) and whether they get through: only when targets are
  // configured, so the object stays DESIGN.md's for everyone else.
  if (snap.relay && snap.relay.length > 0)
    out.relay = snap.relay.map((t) => ({
      target: t.label,
      state: t.state,
      error: t.error,
      failingSince: t.failingSince,
      lastSentAt: t.lastSentAt,
      pending: t.pending,
      dropped: t.dropped,
    }));
  return out;
}
