// `vigil status --json` exactly as README.md (Command line) documents it: missing values null,
// non-finite numbers as the strings "NaN", "Infinity", "-Infinity".

import { encodeMetrics, encodeNumber } from '../../../shared/json-numbers';
import type { FleetSnapshot } from '../../../shared/model';

export function statusJson(snap: FleetSnapshot): unknown {
  return {
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
}
