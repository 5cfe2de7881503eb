import type { WorkerSnapshot } from './model';

// JSON cannot carry NaN or Infinity; in `vigil status --json` (README.md, Command line) and
// `vigil inspect --json` they are the strings "NaN", "Infinity", "-Infinity". These helpers are the only
// place that rule lives.

export function encodeNumber(n: number | null | undefined): number | string | null {
  if (n === null || n === undefined) return null;
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  return n;
}

export function decodeNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return null;
}

export function encodeMetrics(m: Record<string, number>): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = {};
  for (const [k, v] of Object.entries(m)) out[k] = encodeNumber(v);
  return out;
}

/**
 * A worker's values as every JSON Vigil writes shows them (`vigil status --json`, the relay's webhook and
 * command payloads): the same names, the same encoding of numbers.
 */
export function workerValuesJson(w: WorkerSnapshot) {
  return {
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
    lastProgressAt: w.lastProgressAt,
    lastContactAt: w.lastContactAt,
  };
}
