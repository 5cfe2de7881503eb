// A cache of line shapes for the text parser. A training log repeats a few line layouts thousands of
// times with different numbers: the layout is read once with the patterns of text-line.ts, and the next
// lines of the same shape only have their numbers read at the places the first one had them.
//
// Shape: the line (after ANSI codes are removed) with each run of digits replaced by its length class —
// 1, 2, 3, 4 or "5 or more" digits. Why that is enough (checked against every pattern in text-line.ts):
// - no pattern tells one digit from another: they only use \d, \w, \b and classes holding all of 0-9;
// - the only counted digits are the timestamp's `\d{4}` and `\d{2}`, which the classes 1-4 and "5+"
//   decide (a longer run matches at the same distance from its start or end);
// - blanked counters are as long as their digits, but a blank is ≥ 6 characters long, so the 8-character
//   look-ahead for lists (`loss: 0.3 0.5 0.7`) can never see a digit past it, whatever its length;
// - names holding digits (`d0.loss_cls`) are never counter or skipped names, and are read back from the
//   line; nan/inf values are constants of the shape; tqdm's rate and ETA are recomputed from their text.
// Each slot is also checked when a shape is recorded (the text at the computed place must be the text
// the pattern read), and a shape that fails is never cached. Lines of shapes seen only once are read the
// ordinary way, so a log of unique lines costs one hash per line and no template, and after a window
// of such lines, not even the hash for a while.

import {
  hms,
  mayHoldNumbers,
  num,
  progressRate,
  type ShapeRecorder,
  scanStripped,
  stripAnsi,
  type TextLine,
} from './text-line';

/** Shapes (and once-seen hashes) kept; the cache starts over when it is full. */
export const MAX_SHAPES = 4096;
/** Template memory bound: shape codes kept across all templates (4 bytes each). */
const MAX_SHAPE_CODES = 1 << 20;
/** Longer lines are read the ordinary way. */
const MAX_LINE = 2048;
const MAX_RUNS = 256;
/** Runs of this many digits or more share one class. */
const LONG = 5;
const RUN = 0x10000;

/**
 * When fewer than 1/16 of a window's lines come from templates (a log of unique lines), the next
 * 16 windows' lines are read the ordinary way, without the hash; then the cache tries again.
 */
const WINDOW = 1024;

const SEEN_ONCE = 0;
const UNCACHEABLE = 1;

const Kind = { Number: 0, Constant: 1, Text: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface ProgressSlots {
  step: number;
  total: number;
  /** -1: tqdm printed `?`. */
  rate: number;
  invert: boolean;
  eta: number;
}

interface Template {
  shape: Int32Array;
  /** Per slot: start base, start offset, end base, end offset (base: -1 line start, 2k run k's start, 2k+1 its end). */
  anchors: Int32Array;
  kinds: Uint8Array;
  constants: Float64Array;
  /** Slot of each field, -1 for null. */
  epoch: number;
  step: number;
  totalEpochs: number;
  totalSteps: number;
  hasCounter: boolean;
  /** Per metric: the name, or null when it is read from its slot (names holding digits). */
  names: (string | null)[];
  nameSlots: Int32Array;
  /** Per read name: whitespace becomes `_`; `val_` is put in front. */
  nameSpaces: Uint8Array;
  namePrefixed: Uint8Array;
  valueSlots: Int32Array;
  progress: ProgressSlots | null;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Number(s.slice(a, b)) without the slice for plain decimals: a significand below 2^53 and a power of ten
 * up to 22 are both exact, so one division or product rounds once, as Number does. Else Number itself.
 */
export function decimalAt(s: string, a: number, b: number): number {
  let i = a;
  let c = s.charCodeAt(i);
  const neg = c === 45;
  if (neg || c === 43) i++;
  let m = 0;
  let digits = 0;
  let scale = 0;
  for (; i < b; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    m = m * 10 + (c - 48);
    digits++;
  }
  if (i < b && s.charCodeAt(i) === 46) {
    for (i++; i < b; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      m = m * 10 + (c - 48);
      digits++;
      scale++;
    }
  }
  let e = 0;
  c = s.charCodeAt(i);
  if (i < b && (c === 101 || c === 69)) {
    i++;
    c = s.charCodeAt(i);
    const eNeg = c === 45;
    if (i < b && (eNeg || c === 43)) i++;
    const from = i;
    for (; i < b; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      e = e * 10 + (c - 48);
    }
    if (i === from) return Number(s.slice(a, b));
    if (eNeg) e = -e;
  }
  e -= scale;
  if (i !== b || digits === 0 || m > Number.MAX_SAFE_INTEGER || e < -22 || e > 22)
    return Number(s.slice(a, b));
  const v = e < 0 ? m / POW10[-e]! : m * POW10[e]!;
  return neg ? -v : v;
}

const HAS_DIGIT = /\d/;

/** Learns a template while scanStripped reads a line; `ok` turns false if any slot cannot be placed. */
class Recorder implements ShapeRecorder {
  ok = true;
  epoch = -1;
  step = -1;
  totalEpochs = -1;
  totalSteps = -1;
  prog: ProgressSlots | null = null;
  readonly anchors: number[] = [];
  readonly kinds: number[] = [];
  readonly constants: number[] = [];
  readonly names: (string | null)[] = [];
  readonly nameSlots: number[] = [];
  readonly nameSpaces: number[] = [];
  readonly namePrefixed: number[] = [];
  readonly valueSlots: number[] = [];
  /** Per replace: [target offset, characters removed] pairs. */
  private readonly edits: number[][] = [];

  constructor(
    private readonly line: string,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    private readonly runs: number,
  ) {}

  replace(s: string, re: RegExp): string {
    const log: number[] = [];
    let removed = 0;
    this.edits.push(log);
    return s.replace(re, (m: string, offset: number) => {
      log.push(offset - removed, m.length - 1);
      removed += m.length - 1;
      return ' ';
    });
  }

  group(m: RegExpExecArray, g: number): number {
    return this.slot(m, g, Kind.Number);
  }

  progress(m: RegExpExecArray, invert: boolean): void {
    const step = this.group(m, 1);
    const total = this.group(m, 2);
    this.step = step;
    this.totalSteps = total;
    const rate = m[5] === '?' ? -1 : this.group(m, 5);
    this.prog = { step, total, rate, invert, eta: this.slot(m, 4, Kind.Text) };
  }

  metric(p: RegExpExecArray, name: string, valPrefix: boolean): void {
    this.valueSlots.push(this.group(p, 2));
    if (HAS_DIGIT.test(p[1]!)) {
      this.names.push(null);
      this.nameSlots.push(this.slot(p, 1, Kind.Text));
      this.nameSpaces.push(name === p[1] ? 0 : 1);
      this.namePrefixed.push(valPrefix ? 1 : 0);
    } else {
      this.names.push(valPrefix ? `val_${name}` : name);
      this.nameSlots.push(-1);
      this.nameSpaces.push(0);
      this.namePrefixed.push(0);
    }
  }

  template(shape: Int32Array): Template {
    return {
      shape,
      anchors: Int32Array.from(this.anchors),
      kinds: Uint8Array.from(this.kinds),
      constants: Float64Array.from(this.constants),
      epoch: this.epoch,
      step: this.step,
      totalEpochs: this.totalEpochs,
      totalSteps: this.totalSteps,
      hasCounter: this.epoch >= 0 || this.step >= 0,
      names: this.names,
      nameSlots: Int32Array.from(this.nameSlots),
      nameSpaces: Uint8Array.from(this.nameSpaces),
      namePrefixed: Uint8Array.from(this.namePrefixed),
      valueSlots: Int32Array.from(this.valueSlots),
      progress: this.prog,
    };
  }

  private slot(m: RegExpExecArray, g: number, kind: Kind): number {
    const text = m[g]!;
    const [a, b] = m.indices![g]!;
    const at = this.kinds.length;
    if (kind === Kind.Number && !HAS_DIGIT.test(text)) {
      this.kinds.push(Kind.Constant);
      this.constants.push(num(text));
      this.anchors.push(-1, 0, -1, 0);
      return at;
    }
    const start = this.unmap(a);
    const end = this.unmap(b);
    if (this.line.slice(start, end) !== text) this.ok = false;
    this.kinds.push(kind);
    this.constants.push(0);
    this.anchor(start);
    this.anchor(end);
    return at;
  }

  /** A place in the scanned text → the same place in the line (undoing the single-space replacements). */
  private unmap(p: number): number {
    for (let k = this.edits.length - 1; k >= 0; k--) {
      const log = this.edits[k]!;
      let q = p;
      for (let i = 0; i < log.length; i += 2) if (log[i]! < p) q += log[i + 1]!;
      p = q;
    }
    return p;
  }

  /** A place in the line as (base, offset), valid for every line of the same shape. */
  private anchor(p: number): void {
    let k = -1;
    while (k + 1 < this.runs && this.starts[k + 1]! <= p) k++;
    if (k < 0) this.anchors.push(-1, p);
    else if (p >= this.ends[k]!) this.anchors.push(2 * k + 1, p - this.ends[k]!);
    else if (p === this.starts[k]) this.anchors.push(2 * k, 0);
    else if (this.ends[k]! - this.starts[k]! < LONG) this.anchors.push(2 * k, p - this.starts[k]!);
    else {
      // Inside a run whose length the shape does not fix.
      this.ok = false;
      this.anchors.push(-1, 0);
    }
  }
}

/** Reads text-log lines like scanTextLine, remembering the shapes of the lines it has seen. */
export class TextShapeCache {
  private readonly shapes = new Map<number, Template | number>();
  private shapeCodes = 0;
  private readonly code = new Int32Array(MAX_LINE);
  private readonly starts = new Int32Array(MAX_RUNS);
  private readonly ends = new Int32Array(MAX_RUNS);
  private values = new Float64Array(16);
  /** Lines read from a template (for tests). */
  hits = 0;
  private tried = 0;
  private found = 0;
  private skip = 0;

  /** Shapes held (for tests): never more than MAX_SHAPES. */
  get size(): number {
    return this.shapes.size;
  }

  scan(raw: string): TextLine | null {
    if (!mayHoldNumbers(raw)) return null;
    const s = stripAnsi(raw);
    const n = s.length;
    if (n > MAX_LINE) return scanStripped(s, null);
    if (this.skip > 0) {
      this.skip--;
      return scanStripped(s, null);
    }
    if (++this.tried === WINDOW) {
      if (this.found < WINDOW / 16) this.skip = 16 * WINDOW;
      this.tried = 0;
      this.found = 0;
    }
    const code = this.code;
    const starts = this.starts;
    const ends = this.ends;
    let h = 0x811c9dc5 | 0;
    let len = 0;
    let runs = 0;
    for (let i = 0; i < n; ) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        let j = i + 1;
        for (; j < n; j++) {
          const d = s.charCodeAt(j);
          if (d < 48 || d > 57) break;
        }
        if (runs === MAX_RUNS) return scanStripped(s, null);
        starts[runs] = i;
        ends[runs++] = j;
        const x = RUN + Math.min(j - i, LONG);
        code[len++] = x;
        h = Math.imul(h ^ x, 0x01000193);
        i = j;
      } else {
        code[len++] = c;
        h = Math.imul(h ^ c, 0x01000193);
        i++;
      }
    }
    const t = this.shapes.get(h);
    if (t === undefined) {
      this.remember(h, SEEN_ONCE);
      return scanStripped(s, null);
    }
    if (typeof t === 'number') return t === SEEN_ONCE ? this.record(h, s, len, runs) : scanStripped(s, null);
    const shape = t.shape;
    if (shape.length !== len) return scanStripped(s, null);
    for (let i = 0; i < len; i++) if (shape[i] !== code[i]) return scanStripped(s, null);
    this.hits++;
    this.found++;
    return this.build(t, s);
  }

  private remember(h: number, t: Template | number): void {
    if (this.shapes.size >= MAX_SHAPES || this.shapeCodes >= MAX_SHAPE_CODES) {
      this.shapes.clear();
      this.shapeCodes = 0;
    }
    if (typeof t !== 'number') this.shapeCodes += t.shape.length;
    this.shapes.set(h, t);
  }

  private record(h: number, s: string, len: number, runs: number): TextLine {
    const rec = new Recorder(s, this.starts, this.ends, runs);
    const line = scanStripped(s, rec);
    this.shapes.delete(h);
    this.remember(h, rec.ok ? rec.template(this.code.slice(0, len)) : UNCACHEABLE);
    return line;
  }

  private at(base: number, off: number): number {
    return (base < 0 ? 0 : base & 1 ? this.ends[base >> 1]! : this.starts[base >> 1]!) + off;
  }

  private build(t: Template, s: string): TextLine {
    const kinds = t.kinds;
    const a = t.anchors;
    if (this.values.length < kinds.length) this.values = new Float64Array(kinds.length * 2);
    const v = this.values;
    for (let i = 0; i < kinds.length; i++) {
      const k = kinds[i];
      if (k === Kind.Number)
        v[i] = decimalAt(s, this.at(a[4 * i]!, a[4 * i + 1]!), this.at(a[4 * i + 2]!, a[4 * i + 3]!));
      else if (k === Kind.Constant) v[i] = t.constants[i]!;
    }
    const out: TextLine = {
      epoch: t.epoch < 0 ? null : v[t.epoch]!,
      step: t.step < 0 ? null : v[t.step]!,
      totalEpochs: t.totalEpochs < 0 ? null : v[t.totalEpochs]!,
      totalSteps: t.totalSteps < 0 ? null : v[t.totalSteps]!,
      metrics: [],
      hasCounter: t.hasCounter,
      progress: null,
    };
    const names = t.names;
    const slots = t.valueSlots;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] ?? this.readName(t, i, s);
      out.metrics.push([name, v[slots[i]!]!]);
    }
    const p = t.progress;
    if (p !== null) {
      const rate = p.rate < 0 ? null : v[p.rate]!;
      const eta = hms(this.text(p.eta, a, s));
      out.progress = {
        step: v[p.step]!,
        total: v[p.total]!,
        rate: progressRate(rate, p.invert),
        etaSeconds: eta,
      };
    }
    return out;
  }

  private text(slot: number, a: Int32Array, s: string): string {
    const i = 4 * slot;
    return s.slice(this.at(a[i]!, a[i + 1]!), this.at(a[i + 2]!, a[i + 3]!));
  }

  private readName(t: Template, i: number, s: string): string {
    const raw = this.text(t.nameSlots[i]!, t.anchors, s);
    const name = t.nameSpaces[i] ? raw.replace(/\s+/g, '_') : raw;
    return t.namePrefixed[i] ? `val_${name}` : name;
  }
}
