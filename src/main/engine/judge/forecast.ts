// Throughput and time left, from a worker's recent progress. Pure: a log of (time, step, epoch) points
// in, rates and a remaining duration out — or null wherever the data cannot say (no total, too few
// points, no progress). A made-up ETA is a false promise; an absent one is honest.

import { countedEpoch } from '../../../shared/epoch';

/** One moment of progress: its time (ms; the record's own or when Vigil saw the file grow). */
export interface ProgressPoint {
  t: number;
  step: number | null;
  /** The epoch as the file writes it. */
  epoch: number | null;
  /** The record's number (a pace measure for files without steps). */
  n: number;
}

/** Rates are measured over the newest points within this span (at least MIN_POINTS of them). */
export const WINDOW_MS = 30 * 60_000;
export const MIN_POINTS = 3;
/**
 * An interval this long (and PAUSE_FACTOR × the typical one) is a pause — a suspended job, a requeue —
 * not pace: counting it would stretch every later ETA. Recurring evaluations are shorter and do count.
 */
const PAUSE_FLOOR_MS = 10 * 60_000;
const PAUSE_FACTOR = 5;
/** What the log keeps: the slowdown compares with the hour before the window. */
const KEEP_MS = 2 * 3600_000;
/** Points kept: ~60 kB per worker. */
export const KEEP_MAX = 1200;
const STARTS_KEPT = 8;

/** A worker's recent progress points, reset when its run restarts (the step goes back). */
export class ProgressLog {
  private pts: ProgressPoint[] = [];
  /** The first point of each new epoch value: durations of whole epochs, however the file logs. */
  private starts: ProgressPoint[] = [];
  /** An epoch with a fraction was written (Hugging Face): the epoch itself is progress. */
  fractional = false;
  /** Changes whenever the points do: what is derived from them can be kept until then. */
  version = 0;
  /** Changes when the log starts over (a restart into the same file). */
  generation = 0;

  add(p: ProgressPoint): void {
    if (!Number.isFinite(p.t)) return;
    if (p.epoch !== null && Number.isFinite(p.epoch) && !Number.isInteger(p.epoch)) this.fractional = true;
    const last = this.pts.at(-1);
    if (last) {
      // An older file of a glob read late: its points are history, not pace.
      if (p.t < last.t) return;
      // A restart into the same file: the new run's pace only.
      if (p.step !== null && last.step !== null && p.step < last.step) this.reset();
      else if (p.epoch !== null && last.epoch !== null && p.epoch !== last.epoch) {
        this.starts.push(p);
        if (this.starts.length > STARTS_KEPT) this.starts.shift();
      }
    }
    this.pts.push(p);
    this.version++;
    this.trim(p.t);
  }

  reset(): void {
    this.pts = [];
    this.starts = [];
    this.fractional = false;
    this.version++;
    this.generation++;
  }

  get points(): readonly ProgressPoint[] {
    return this.pts;
  }

  get epochStarts(): readonly ProgressPoint[] {
    return this.starts;
  }

  /**
   * Bounded memory, amortised: only when full, points older than KEEP_MS go, then the older half is
   * decimated (rates are sums that telescope) until a quarter is free — a replay of a million records
   * costs a copy per KEEP_MAX / 4 points, not one per point.
   */
  private trim(now: number): void {
    if (this.pts.length < KEEP_MAX) return;
    let drop = 0;
    while (drop < this.pts.length - MIN_POINTS && this.pts[drop]!.t < now - KEEP_MS) drop++;
    let pts = this.pts.slice(drop);
    while (pts.length > (KEEP_MAX * 3) / 4) {
      const half = Math.floor(pts.length / 2);
      pts = [...pts.slice(0, half).filter((_, i) => i % 2 === 0), ...pts.slice(half)];
    }
    this.pts = pts;
  }
}

/** The newest points within `spanMs` of the last one, extended back to at least `min` points. */
export function recentPoints(
  points: readonly ProgressPoint[],
  spanMs = WINDOW_MS,
  min = MIN_POINTS,
): readonly ProgressPoint[] {
  const last = points.at(-1);
  if (!last) return [];
  let from = points.length - 1;
  while (from > 0 && points[from - 1]!.t >= last.t - spanMs) from--;
  return points.slice(Math.max(0, Math.min(from, points.length - min)));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

/**
 * Units of `value` per second over the points, pauses left out; null with fewer than two intervals or no
 * progress.
 */
export function activeRate(
  points: readonly ProgressPoint[],
  value: (p: ProgressPoint) => number | null,
): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < points.length; i++) gaps.push(points[i]!.t - points[i - 1]!.t);
  const pauseMs = Math.max(PAUSE_FLOOR_MS, PAUSE_FACTOR * median(gaps.filter((g) => g > 0)));
  let units = 0;
  let ms = 0;
  let intervals = 0;
  for (let i = 1; i < points.length; i++) {
    const a = value(points[i - 1]!);
    const b = value(points[i]!);
    const dt = gaps[i - 1]!;
    if (a === null || b === null || dt > pauseMs) continue;
    units += b - a;
    ms += dt;
    intervals++;
  }
  if (intervals < 2 || ms <= 0 || !(units > 0)) return null;
  return (units / ms) * 1000;
}

export interface ForecastInput {
  points: readonly ProgressPoint[];
  epochStarts: readonly ProgressPoint[];
  /** The file writes fractional epochs (Hugging Face): the epoch is progress through the run. */
  fractionalEpochs: boolean;
  epochBase: 0 | 1;
  /** totalEpochs from the config (preferred: the user said so). */
  configEpochs: number | null;
  /** What the file says: num_train_epochs, max_steps. */
  fileEpochs: number | null;
  fileSteps: number | null;
}

export interface Forecast {
  stepsPerSecond: number | null;
  secondsPerEpoch: number | null;
  /** Time left after the newest point, ms; null when unknowable. */
  remainingMs: number | null;
  /** Steps per epoch where both are written (the slowdown compares like with like). */
  stepsPerEpoch: number | null;
}

const step = (p: ProgressPoint) => p.step;
const epoch = (p: ProgressPoint) => p.epoch;

/** Seconds per epoch from the last few whole epochs (the median: one paused epoch does not count). */
function epochDurations(starts: readonly ProgressPoint[]): number | null {
  const per: number[] = [];
  for (let i = Math.max(1, starts.length - 3); i < starts.length; i++) {
    const a = starts[i - 1]!;
    const b = starts[i]!;
    const de = b.epoch! - a.epoch!;
    if (de > 0 && b.t > a.t) per.push((b.t - a.t) / 1000 / de);
  }
  return per.length === 0 ? null : median(per);
}

function stepsPerEpochOf(input: ForecastInput, window: readonly ProgressPoint[]): number | null {
  const pairs = input.fractionalEpochs ? [window[0], window.at(-1)] : input.epochStarts.slice(-2);
  const [a, b] = pairs;
  if (!a || !b || a.step === null || b.step === null || a.epoch === null || b.epoch === null) return null;
  const de = b.epoch - a.epoch;
  const ds = b.step - a.step;
  return de > 0 && ds > 0 ? ds / de : null;
}

/** Epochs done at the newest point: HF's 2.5 as is; a whole epoch's records say it is done or under way. */
function epochsDone(input: ForecastInput, secondsPerEpoch: number): number | null {
  const last = input.points.at(-1);
  if (!last || last.epoch === null) return null;
  if (input.fractionalEpochs) return last.epoch;
  const counted = countedEpoch(last.epoch, input.epochBase)!;
  const tail = input.points.slice(-3);
  // One record per epoch (written at its end): the epoch it names is done.
  const perEpoch = tail.length === 3 && new Set(tail.map((p) => p.epoch)).size === 3;
  if (perEpoch) return counted;
  // Records during the epoch: the one it names is under way, this far by the clock.
  const start = input.epochStarts.at(-1);
  const fraction =
    start && start.epoch === last.epoch ? Math.min(1, (last.t - start.t) / 1000 / secondsPerEpoch) : 0;
  return counted - 1 + Math.max(0, fraction);
}

export function forecast(input: ForecastInput): Forecast {
  const window = recentPoints(input.points);
  const none: Forecast = {
    stepsPerSecond: null,
    secondsPerEpoch: null,
    remainingMs: null,
    stepsPerEpoch: null,
  };
  if (window.length < MIN_POINTS) return none;
  const stepsPerSecond = activeRate(window, step);
  const stepsPerEpoch = stepsPerEpochOf(input, window);
  let secondsPerEpoch: number | null = null;
  if (stepsPerSecond !== null && stepsPerEpoch !== null) secondsPerEpoch = stepsPerEpoch / stepsPerSecond;
  else if (input.fractionalEpochs) {
    const r = activeRate(window, epoch);
    secondsPerEpoch = r === null ? null : 1 / r;
  } else secondsPerEpoch = epochDurations(input.epochStarts);

  const last = window.at(-1)!;
  let remainingMs: number | null = null;
  const stepsLeft =
    input.fileSteps !== null && last.step !== null && last.step <= input.fileSteps
      ? input.fileSteps - last.step
      : null;
  const totalEpochs = input.configEpochs ?? (stepsLeft === null ? input.fileEpochs : null);
  if (totalEpochs !== null && secondsPerEpoch !== null) {
    const done = epochsDone(input, secondsPerEpoch);
    if (done !== null && totalEpochs - done > 0) remainingMs = (totalEpochs - done) * secondsPerEpoch * 1000;
  } else if (totalEpochs === null && stepsLeft !== null && stepsLeft > 0 && stepsPerSecond !== null) {
    remainingMs = (stepsLeft / stepsPerSecond) * 1000;
  }
  return { stepsPerSecond, secondsPerEpoch, remainingMs, stepsPerEpoch };
}

/**
 * When the run should end: from its newest progress (local time), never before now. Only while it is
 * running: a stalled or failed run has no finish to promise.
 */
export function etaAt(
  f: Forecast,
  running: boolean,
  lastProgressAt: number | null,
  now: number,
): number | null {
  if (!running || f.remainingMs === null || lastProgressAt === null) return null;
  return Math.max(now, lastProgressAt + f.remainingMs);
}
