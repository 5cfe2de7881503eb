// Is the loss diverging? A pure judgement over the loss metric's recent values, oldest first. Two signs:
//  - the newest value is not a number (NaN, ±Infinity): from the first of the trailing non-finite values;
//  - the loss has risen far above its own best: every value of a trailing stretch is over `factor` × the
//    lowest smoothed value before it, and the stretch covers at least `share` of the run so far.
// A NaN that recovers, or a spike that comes back down, is not divergence.

import type { MetricRecord } from '../../../shared/model';

export interface DivergeSettings {
  /** The loss is diverging when above factor × its best smoothed value... */
  factor: number;
  /** ...for this share of the run so far (0.05: 5 % of its steps, or of its records). */
  share: number;
}

export const DEFAULT_DIVERGE: DivergeSettings = { factor: 10, share: 0.05 };

/** TensorBoard's default smoothing weight: the "best" is the best of a curve, not one lucky value. */
const SMOOTHING = 0.6;
/** A rise over fewer values than this is a spike, however short the run. */
const MIN_RISING_VALUES = 3;

export interface LossValues {
  /** The loss metric's values, oldest first (NaN and ±Infinity included). */
  values: ArrayLike<number>;
  /** Where each value is on the run (its step, else its record number): measures the stretch. */
  x: ArrayLike<number>;
  length: number;
}

export type Divergence =
  | { kind: 'non-finite'; from: number; value: number }
  | { kind: 'rising'; from: number; value: number; best: number; factor: number };

export function judgeDivergence(s: LossValues, settings: DivergeSettings | false): Divergence | null {
  if (settings === false || s.length === 0) return null;
  const last = s.length - 1;
  const newest = s.values[last]!;
  if (!Number.isFinite(newest)) {
    let from = last;
    while (from > 0 && !Number.isFinite(s.values[from - 1]!)) from--;
    return { kind: 'non-finite', from, value: newest };
  }
  return rising(s, settings);
}

function rising(s: LossValues, { factor, share }: DivergeSettings): Divergence | null {
  // Smoothed (debiased EMA over the finite values) and its running minimum, up to each index.
  const bestBefore = new Float64Array(s.length);
  let ema = 0;
  let weight = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < s.length; i++) {
    bestBefore[i] = best;
    const v = s.values[i]!;
    if (!Number.isFinite(v)) continue;
    ema = SMOOTHING * ema + (1 - SMOOTHING) * v;
    weight = SMOOTHING * weight + (1 - SMOOTHING);
    best = Math.min(best, ema / weight);
  }
  // The trailing stretch above factor × the best seen before its start.
  let from = s.length;
  for (let i = s.length - 1; i >= 0; i--) {
    const v = s.values[i]!;
    const floor = bestBefore[i]!;
    // A loss that is never positive has no meaningful "10× its best".
    if (!(floor > 0) || !Number.isFinite(v) || v <= factor * floor) break;
    from = i;
  }
  const count = s.length - from;
  if (count < MIN_RISING_VALUES) return null;
  const start = bestBefore[from]!;
  // The stretch, on the run's own axis: from the last value that was still fine to the newest.
  const x0 = s.x[0]!;
  const xEnd = s.x[s.length - 1]!;
  const xFine = from > 0 ? s.x[from - 1]! : x0;
  const span = xEnd - x0;
  const covered =
    Number.isFinite(span) && Number.isFinite(xFine) && span > 0 && xEnd >= xFine
      ? (xEnd - xFine) / span
      : count / s.length;
  if (covered < share) return null;
  return { kind: 'rising', from, value: s.values[s.length - 1]!, best: start, factor };
}

/** What the reason says about a divergence: which metric, what it is, since when. */
export interface DivergenceFact {
  metric: string;
  divergence: Divergence;
  /** Where it began: the record's step (null when the file writes none), its number (1-based), its
   * epoch as written, and its time (null when the file carries none). */
  since: { step: number | null; record: number; epoch: number | null; time: number | null };
}

function valueText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return String(Number(v.toPrecision(4)));
}

/**
 * "loss is NaN since step 652 (epoch 7, 14 min ago)", "loss is 35.2, over 10× its best (0.41) since
 * step 800 (epoch 9)". `epochText` gives the epoch as people count it; the age needs a record time.
 */
export function describeDivergence(
  d: DivergenceFact,
  epochText: (raw: number) => string,
  ageText: (time: number) => string,
): string {
  const where = d.since.step !== null ? `step ${valueText(d.since.step)}` : `record ${d.since.record}`;
  const notes = [
    d.since.epoch !== null ? `epoch ${epochText(d.since.epoch)}` : null,
    d.since.time !== null ? ageText(d.since.time) : null,
  ].filter((n) => n !== null);
  const when = `since ${where}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
  const v = d.divergence;
  if (v.kind === 'non-finite') return `${d.metric} is ${valueText(v.value)} ${when}`;
  return `${d.metric} is ${valueText(v.value)}, over ${v.factor}× its best (${valueText(v.best)}) ${when}`;
}

/** Where a value was: what a divergence's reason says it began at. */
export type Since = DivergenceFact['since'];

/**
 * judgeDivergence, kept up to date one value at a time: O(1) per value and per judgement, where the pure
 * function reads the whole series (a millisecond for 10,000 values, every second, for every worker).
 * Fed every value of one metric in order (thinned records included), it judges as judgeDivergence does
 * on the same values: in a rising stretch every value is over factor × the best before the stretch, so
 * the best (the lowest smoothed value) cannot move while the stretch lasts.
 */
export class DivergenceWatch {
  private ema = 0;
  private weight = 0;
  private best = Number.POSITIVE_INFINITY;
  private count = 0;
  private newest = Number.NaN;
  private firstStep = Number.NaN;
  private lastStep = Number.NaN;
  private stepsWentBack = false;
  private firstRecord = Number.NaN;
  private lastRecord = Number.NaN;
  /** The first of the trailing non-finite values. */
  private nanFrom: Since | null = null;
  /** The first value of the trailing rising stretch, how many it holds, and the best before it. */
  private riseFrom: Since | null = null;
  private riseCount = 0;
  private riseBest = Number.NaN;
  /** Where the last value that was not in the stretch was (its step, its record number). */
  private fineStep = Number.NaN;
  private fineRecord = Number.NaN;

  constructor(private readonly factor: number) {}

  /** One value, where it is: its record's step (null: none), number (from 1), epoch and time. */
  observe(
    value: number,
    step: number | null,
    record: number,
    epoch: number | null,
    time: number | null,
  ): void {
    const x = step ?? Number.NaN;
    if (this.count === 0) {
      this.firstStep = x;
      this.firstRecord = record;
    } else if (x < this.lastStep) this.stepsWentBack = true;
    this.count++;
    const floor = this.best;
    if (floor > 0 && Number.isFinite(value) && value > this.factor * floor) {
      if (this.riseFrom === null) {
        this.riseFrom = { step, record, epoch, time };
        this.riseCount = 0;
        this.riseBest = floor;
      }
      this.riseCount++;
    } else {
      this.riseFrom = null;
      this.riseCount = 0;
      this.fineStep = x;
      this.fineRecord = record;
    }
    if (Number.isFinite(value)) {
      this.nanFrom = null;
      this.ema = SMOOTHING * this.ema + (1 - SMOOTHING) * value;
      this.weight = SMOOTHING * this.weight + (1 - SMOOTHING);
      this.best = Math.min(this.best, this.ema / this.weight);
    } else if (this.nanFrom === null) this.nanFrom = { step, record, epoch, time };
    this.newest = value;
    if (!Number.isNaN(x)) this.lastStep = x;
    this.lastRecord = record;
  }

  /** The divergence now, and where it began; null when there is none (or `share` is false: off). */
  judge(share: number | false): { divergence: Divergence; since: Since } | null {
    if (share === false || this.count === 0) return null;
    if (!Number.isFinite(this.newest)) {
      return { divergence: { kind: 'non-finite', from: -1, value: this.newest }, since: this.nanFrom! };
    }
    if (this.riseFrom === null || this.riseCount < MIN_RISING_VALUES) return null;
    const bySteps = !this.stepsWentBack && Number.isFinite(this.firstStep) && Number.isFinite(this.lastStep);
    const x0 = bySteps ? this.firstStep : this.firstRecord;
    const xEnd = bySteps ? this.lastStep : this.lastRecord;
    const xFine = bySteps ? this.fineStep : this.fineRecord;
    const span = xEnd - x0;
    const covered =
      Number.isFinite(span) && Number.isFinite(xFine) && span > 0 && xEnd >= xFine
        ? (xEnd - xFine) / span
        : this.riseCount / this.count;
    if (covered < share) return null;
    return {
      divergence: { kind: 'rising', from: -1, value: this.newest, best: this.riseBest, factor: this.factor },
      since: this.riseFrom,
    };
  }
}

/** A metric that may be the loss (chooseLossMetric picks the configured one, else one with "loss"). */
const LOSS_LIKE = /loss/i;
/** Metrics watched at most (a DETR log has ~40 losses; a file of thousands of names is not a run's). */
const MAX_WATCHED = 200;

/**
 * A DivergenceWatch for every metric that may be the loss, fed with each record as it is read: whichever
 * metric turns out to be the loss, its judgement is ready, at no cost per evaluation.
 */
export class LossWatch {
  /** Per metric name: its watch, or null for a name that is not loss-like (decided once per name). */
  private readonly watches = new Map<string, DivergenceWatch | null>();

  constructor(
    private readonly factor: number,
    private readonly configured: string | undefined,
  ) {}

  observe(rec: MetricRecord, record: number): void {
    for (const name in rec.metrics) {
      let w = this.watches.get(name);
      if (w === undefined) {
        const watch = (name === this.configured || LOSS_LIKE.test(name)) && this.watches.size < MAX_WATCHED;
        w = watch ? new DivergenceWatch(this.factor) : null;
        this.watches.set(name, w);
      }
      w?.observe(rec.metrics[name]!, rec.step, record, rec.epoch, rec.time);
    }
  }

  judge(metric: string, share: number | false): DivergenceFact | null {
    const found = this.watches.get(metric)?.judge(share) ?? null;
    return found === null ? null : { metric, divergence: found.divergence, since: found.since };
  }

  reset(): void {
    this.watches.clear();
  }
}
