// Several workers on one chart: which metric each one draws (runs name their loss differently), its
// validation partner drawn beside it, x aligned so runs started at different moments line up, and
// the best value of each line. Pure, so every case is tested without rendering.

import type { MetricSeries, SeriesResult, XAxis } from '../../shared/contract';
import type { WorkerSnapshot } from '../../shared/model';

/** The metric choice that means "each run's own loss" (`train_loss` here, `loss` there). */
export const EACH_LOSS = '';

const VAL_WORDS = ['val', 'eval', 'valid', 'validation', 'test'];
const VAL_TOKEN = /(^|[/_.-])(val|valid|validation|eval|test)([/_.-]|$)/i;
const TRAIN_TOKEN = /(^|[/_.-])train(ing)?([/_.-]|$)/i;

/** `val_loss`, `eval/loss`, `loss_val`, `validation.acc`: the held-out side of a pair. */
export function isValidation(metric: string): boolean {
  return VAL_TOKEN.test(metric);
}

/**
 * The validation metric drawn with `metric`, among the worker's: `loss` → `val_loss`, `train/loss` →
 * `eval/loss`, `train_loss` → `val_loss`, `loss_train` → `loss_val`; null when there is none.
 */
export function validationPartner(metric: string, available: readonly string[]): string | null {
  if (isValidation(metric)) return null;
  const candidates: string[] = [];
  if (TRAIN_TOKEN.test(metric)) {
    for (const v of VAL_WORDS) candidates.push(metric.replace(TRAIN_TOKEN, `$1${v}$3`));
    // A file may mix styles (`train_loss` beside `eval/loss`): try the bare name with each word too.
    const bare = metric.replace(TRAIN_TOKEN, '$1$3').replace(/^[/_.-]+|[/_.-]+$/g, '');
    if (bare) for (const v of VAL_WORDS) candidates.push(`${v}_${bare}`, `${v}/${bare}`);
  } else {
    for (const v of VAL_WORDS) candidates.push(`${v}_${metric}`, `${v}/${metric}`, `${metric}_${v}`);
  }
  return candidates.find((c) => c !== metric && available.includes(c)) ?? null;
}

/** Accuracy-like metrics improve upwards; losses, errors and perplexities downwards. */
export function higherIsBetter(metric: string): boolean {
  return /acc|f1|auc|precision|recall|map\b|bleu|rouge|iou|dice|score|top-?\d/i.test(metric);
}

/**
 * What the compare chart can show: each run's loss first, then every training-side metric at least one
 * of the workers has, the most shared first (a validation metric comes along with its partner).
 */
export function metricChoices(workers: readonly Pick<WorkerSnapshot, 'metrics'>[]): string[] {
  const counts = new Map<string, number>();
  for (const w of workers)
    for (const m of Object.keys(w.metrics)) if (!isValidation(m)) counts.set(m, (counts.get(m) ?? 0) + 1);
  const names = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || a.localeCompare(b));
  return [EACH_LOSS, ...names];
}

/** The metrics one worker draws for a choice: its metric and the validation partner, if any. */
export function metricsFor(
  choice: string,
  worker: Pick<WorkerSnapshot, 'metrics' | 'lossMetric'>,
): { train: string; val: string | null } | null {
  const names = Object.keys(worker.metrics);
  const train = choice === EACH_LOSS ? worker.lossMetric : names.includes(choice) ? choice : null;
  if (!train) return null;
  return { train, val: validationPartner(train, names) };
}

/** Where a run starts on the time axis: its first record's time, whichever metric wrote it. */
export function runStart(result: Pick<SeriesResult, 'series'>): number | null {
  let start: number | null = null;
  for (const s of result.series) for (const p of s.points) if (start === null || p.x < start) start = p.x;
  return start;
}

/** One line of the compare chart. `key` is what the chart rows call it (never a metric name, which
 * may contain the dots recharts would read as a path). */
export interface CompareLine {
  key: string;
  worker: string;
  metric: string;
  role: 'train' | 'val';
  /** The worker's position among those compared: its colour. */
  index: number;
  series: MetricSeries;
  best: { x: number; y: number } | null;
}

/**
 * The best value of a line so far (lowest loss, highest accuracy) and where it was reached. A
 * downsampled point stands for a bucket of records: its min/max envelope holds the bucket's best, which
 * its first value (`y`) may miss — the best is then placed at the bucket's x.
 */
export function bestPoint(series: MetricSeries, higher: boolean): { x: number; y: number } | null {
  let best: { x: number; y: number } | null = null;
  for (const p of series.points) {
    const y = (higher ? p.max : p.min) ?? p.y;
    if (y === null || !Number.isFinite(y)) continue;
    if (best === null || (higher ? y > best.y : y < best.y)) best = { x: p.x, y };
  }
  return best;
}

/**
 * The lines to draw, in the workers' order, train before validation. On the time axis each worker's x
 * becomes milliseconds since its own first record, so runs started hours apart are compared at the same
 * age; step and epoch are already relative to the run.
 */
export function compareLines(
  inputs: readonly { worker: string; result: SeriesResult | null }[],
  x: XAxis,
): CompareLine[] {
  const lines: CompareLine[] = [];
  inputs.forEach(({ worker, result }, index) => {
    if (!result) return;
    const origin = x === 'time' ? (runStart(result) ?? 0) : 0;
    result.series.forEach((s, k) => {
      const key = `c${lines.length}`;
      const points = origin === 0 ? s.points : s.points.map((p) => ({ ...p, x: p.x - origin }));
      const nonFinite =
        origin === 0
          ? s.nonFinite
          : s.nonFinite?.map((n) => ({ ...n, from: n.from - origin, to: n.to - origin }));
      const shifted: MetricSeries = { ...s, metric: key, points, ...(nonFinite ? { nonFinite } : {}) };
      lines.push({
        key,
        worker,
        metric: s.metric,
        role: k === 0 ? 'train' : 'val',
        index,
        series: shifted,
        best: bestPoint(shifted, higherIsBetter(s.metric)),
      });
    });
  });
  return lines;
}

const STEPS_MS = [
  60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3_600_000,
  2 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
  2 * 86_400_000,
  7 * 86_400_000,
];

/** Ticks for "time since the start": round minutes, hours or days, at most about six of them. */
export function durationTicks(max: number): number[] {
  const step = STEPS_MS.find((s) => max / s <= 6) ?? STEPS_MS.at(-1)!;
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += step) ticks.push(t);
  return ticks;
}
