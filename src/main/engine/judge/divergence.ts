// Is the loss diverging? A pure judgement over the loss metric's recent values, oldest first. Two signs:
//  - the newest value is not a number (NaN, ±Infinity): from the first of the trailing non-finite values;
//  - the loss has risen far above its own best: every value of a trailing stretch is over `factor` × the
//    lowest smoothed value before it, and the stretch covers at least `share` of the run so far.
// A NaN that recovers, or a spike that comes back down, is not divergence.

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
