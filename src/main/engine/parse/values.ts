// Number and counter conventions shared by every format, so `epoch`, `step` and NaN mean the same
// thing in a CSV, a JSON line and a text log.

import type { MetricRecord } from '../../../shared/model';

/** Python prints non-finite floats as nan / inf / -inf; json.dumps writes NaN / Infinity. */
const NON_FINITE: Record<string, number> = {
  nan: Number.NaN,
  '-nan': Number.NaN,
  '+nan': Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

/** A string that spells a non-finite number ("nan", "NaN", "-inf", "Infinity"), else null. */
export function nonFinite(s: string): number | null {
  if (s.length < 3 || s.length > 9) return null;
  const v = NON_FINITE[s.toLowerCase()];
  return v === undefined ? null : v;
}

const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A cell or token as a number: decimals, exponents, nan/inf spellings. Anything else → null. */
export function parseNumber(s: string): number | null {
  if (DECIMAL.test(s)) return Number(s);
  return nonFinite(s);
}

export const STEP_KEYS = ['step', 'iteration', 'iter', 'global_step'];
const STEP_KEY_SET = new Set(STEP_KEYS);

export function isStepKey(k: string): boolean {
  return STEP_KEY_SET.has(k.toLowerCase());
}

export function isEpochKey(k: string): boolean {
  return k.toLowerCase() === 'epoch';
}

/**
 * A Unix time in ms when `v` looks like one (seconds or ms between 2001 and 2286), else null. mmdet's
 * `time` is a per-iteration duration (≈1 s) and stays a metric.
 */
export function unixMs(v: number): number | null {
  if (v >= 1e9 && v < 1e10) return v * 1000;
  if (v >= 1e12 && v < 1e13) return v;
  return null;
}

const Kind = { Epoch: 1, Time: 2, Step: 3 } as const; // Step + rank in STEP_KEYS

const KINDS = new Map<string, number>([
  ['epoch', Kind.Epoch],
  ['time', Kind.Time],
  ['timestamp', Kind.Time],
  ['wall_time', Kind.Time],
  ...STEP_KEYS.map((k, i) => [k, Kind.Step + i] as [string, number]),
]);
const UPPER = /[A-Z]/;

/** What a name is to RecordBuilder: epoch, time or a step key (undefined: a metric). */
export function kindOf(k: string): number | undefined {
  const kind = KINDS.get(k);
  if (kind !== undefined || !UPPER.test(k)) return kind;
  return KINDS.get(k.toLowerCase());
}

/**
 * The most metric names one record carries: a worker keeps at most this many names in all (METRICS_HELD
 * in records/record-store.ts), so a line of 50,000 keys would only have cost time and memory.
 */
export const RECORD_METRICS_MAX = 1000;

/**
 * Builds a record from named numbers given in file order: counters and a Unix time are taken out, the
 * rest are metrics. The first step-like key wins in STEP_KEYS order (MMEngine writes both `iter` and
 * `step`). One builder per record; no intermediate arrays (this is the hot path of every format).
 */
export class RecordBuilder {
  readonly rec: MetricRecord = { epoch: null, step: null, time: null, metrics: {} };
  metricCount = 0;
  private stepRank = 1000;

  add(k: string, v: number): void {
    this.addKind(k, kindOf(k), v);
  }

  /** `add` with the name's kind already known (`kindOf`): formats that see a name again and again. */
  addKind(k: string, kind: number | undefined, v: number): void {
    if (kind !== undefined) {
      if (kind === Kind.Epoch) {
        if (this.rec.epoch === null && Number.isFinite(v)) this.rec.epoch = v;
        return;
      }
      if (kind >= Kind.Step) {
        if (kind < this.stepRank && Number.isFinite(v)) {
          this.rec.step = v;
          this.stepRank = kind;
        }
        return;
      }
      if (this.rec.time === null) {
        const ms = unixMs(v);
        if (ms !== null) {
          this.rec.time = ms;
          return;
        }
      }
    }
    if (!(k in this.rec.metrics)) {
      if (this.metricCount >= RECORD_METRICS_MAX) {
        this.rec.droppedMetrics = (this.rec.droppedMetrics ?? 0) + 1;
        return;
      }
      this.metricCount++;
    }
    this.rec.metrics[k] = v;
  }
}

/**
 * Marks a restart: a run resumed into the same file makes the step go back while the epoch does not
 * move forward (a per-epoch iteration counter going back at a new epoch is normal: mmdet).
 */
export class RestartTracker {
  private lastStep: number | null = null;
  private lastEpoch: number | null = null;

  mark(rec: MetricRecord): MetricRecord {
    if (rec.step !== null) {
      const epochAdvanced = rec.epoch !== null && this.lastEpoch !== null && rec.epoch > this.lastEpoch;
      if (this.lastStep !== null && rec.step < this.lastStep && !epochAdvanced) rec.restart = true;
      this.lastStep = rec.step;
    }
    if (rec.epoch !== null) this.lastEpoch = rec.epoch;
    return rec;
  }
}

/** Warnings are capped per file: a binary file fed as text must not produce a million of them. */
export class WarningSink {
  private count = 0;
  constructor(private readonly max = 100) {}

  add(out: { line?: number; message: string }[], line: number | undefined, message: string): void {
    this.count++;
    if (this.count < this.max) out.push(line === undefined ? { message } : { line, message });
    else if (this.count === this.max) out.push({ line, message: `${message} (further warnings suppressed)` });
  }
}

export function excerpt(s: string, n = 60): string {
  return s.length > n ? `${JSON.stringify(s.slice(0, n))}…` : JSON.stringify(s);
}

// Decimal numbers read straight from bytes (JSON lines and CSV): a number of at most 15 digits whose
// decimal exponent is at most 22 is m × 10^e or m / 10^e with both operands exact doubles, so one IEEE
// operation gives the correctly rounded result, exactly what Number() gives (Clinger's fast path).
// Anything longer (a float32 printed by Python has 17 digits) goes through Number() on the text.
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

export function decimalValue(mantissa: number, digits: number, exp10: number, negative: boolean): number {
  if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 >= 0 ? mantissa * POW10[exp10]! : mantissa / POW10[-exp10]!;
    return negative ? -v : v;
  }
  return Number.NaN; // not exact this way: the caller falls back to Number(text)
}

/** The p-significant-digit decimal nearest to v (as the double nearest to it), for |v| in [1e-20, 1e20]. */
function toDigits(v: number, p: number, e: number): number {
  const k = p - 1 - e; // decimal places
  // m × 10^-k with m an integer of p digits and 10^|k| exact (|k| ≤ 22): one correctly rounded operation,
  // the same double Number(v.toPrecision(p)) gives, without the string.
  return k >= 0 ? Math.round(v * POW10[k]!) / POW10[k]! : Math.round(v / POW10[-k]!) * POW10[-k]!;
}

/**
 * The shortest decimal that reads back as the same float32: a float32 loss of 0.147035494… widened to a
 * double prints as 0.14703549444675446, digits the file never had. 9 significant digits always suffice.
 * If p digits read back as v, so do p + 1 (the nearer decimal is at least as near): most values need 7
 * or 8, so look from 7 upward, or downward when 7 already does. Arithmetic, not toPrecision: this runs
 * for every value of an event file.
 */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  // On the magnitude: a tie rounds away from zero, as toPrecision does.
  const a = Math.abs(v);
  if (a < 1e-20 || a >= 1e20) return shortestByString(v);
  let e = Math.floor(Math.log10(a));
  if (POW10_OF(e) > a) e--;
  else if (POW10_OF(e + 1) <= a) e++;
  let d = toDigits(a, 7, e);
  if (Math.fround(d) === a) {
    for (let q = 6; q >= 1; q--) {
      const shorter = toDigits(a, q, e);
      if (Math.fround(shorter) !== a) break;
      d = shorter;
    }
    return v < 0 ? -d : d;
  }
  for (let q = 8; q <= 9; q++) {
    d = toDigits(a, q, e);
    if (Math.fround(d) === a) return v < 0 ? -d : d;
  }
  return shortestByString(v);
}

const POW10_OF = (e: number): number => (e >= 0 ? POW10[e]! : 1 / POW10[-e]!);

function shortestByString(v: number): number {
  for (let p = 1; p <= 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}
