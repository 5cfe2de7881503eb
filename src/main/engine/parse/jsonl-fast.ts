// The fast path of JSON lines: a flat object of numbers (and short strings) read straight from the
// line's bytes. JSON.parse on each line was the cost of reading metrics.jsonl: it builds an object of
// every field (strings, numbers as heap objects) only for the parser to walk it once and throw it away,
// and Python's bare NaN made whole lines parse twice. Here a line becomes name/value pairs with no
// decoding, the names interned once per file. Anything the fast path is not sure about — nesting,
// lists, escapes, non-ASCII, duplicate or numeric-looking keys, a header line, any syntax error — is
// handed back (BAIL) to the general path (jsonl.ts), so every line means exactly what it meant before.

import { asciiText } from './lines';
import { decimalValue, kindOf, nonFinite, RECORD_METRICS_MAX, type RecordBuilder } from './values';

/** Where the line's bytes come from, for the rare number that needs its text. */
export interface AsciiSource {
  ascii(start: number, end: number): string;
}

export const OK = 0;
export const BLANK = 1;
export const BAIL = 2;
export type ScanResult = typeof OK | typeof BLANK | typeof BAIL;

const ROLE_NONE = 0;
const ROLE_ITER = 1;
const ROLE_EPOCH = 2;
const ROLE_STEP = 3;
const ROLE_MODE = 4;
const ROLE_HEADER = 5;

/** One key as seen in the file, with what the record builder needs to know about it, worked out once. */
interface Key {
  bytes: Uint8Array;
  name: string;
  kind: number | undefined;
  /** The name on an MMDetection `mode: "val"` line (loss names get `val_`). */
  valName: string;
  valKind: number | undefined;
  role: number;
  /** The scan that last saw this key: a second sighting in one line is a duplicate key. */
  stamp: number;
}

const SLOTS = 4096;

/**
 * Past this many pairs a line's plain keys are not interned (the record builder would drop them: a
 * record carries RECORD_METRICS_MAX names at most, and the margin covers its counters): a line of 50,000
 * distinct keys then costs a count, not 50,000 key objects.
 */
const INTERNED_PAIRS = RECORD_METRICS_MAX + 16;
/** Keys that are never dropped as metrics: roles, and counters (any case, as kindOf reads them). */
const ROLE_WORDS = [
  'iter',
  'epoch',
  'step',
  'mode',
  'env_info',
  'iteration',
  'global_step',
  'time',
  'timestamp',
  'wall_time',
].map((w) => Uint8Array.from(w, (c) => c.charCodeAt(0)));

/** The stand-in for every key past INTERNED_PAIRS that names no role: its values are only counted. */
const OVERFLOW: Key = {
  bytes: new Uint8Array(0),
  name: '',
  kind: undefined,
  valName: '',
  valKind: undefined,
  role: ROLE_NONE,
  stamp: 0,
};

export class FastJsonLine {
  /** Pairs of the last line scanned, in file order. */
  count = 0;
  readonly keys: Key[] = [];
  readonly values: number[] = [];
  hasIter = false;
  hasEpoch = false;
  /** The value of `step` when it is a JSON number. */
  step: number | undefined = undefined;
  valMode = false;
  /** Values of the last line whose keys were past INTERNED_PAIRS (dropped). */
  overflow = 0;
  private stamp = 0;
  private readonly slots: (Key | undefined)[] = new Array(SLOTS).fill(undefined);

  constructor(private readonly valName: (name: string) => string) {}

  /** Reads the pairs of one line into `count` / `keys` / `values`, or says it cannot (BAIL). */
  scan(b: Uint8Array, start: number, end: number, src: AsciiSource): ScanResult {
    const stamp = ++this.stamp;
    this.count = 0;
    this.overflow = 0;
    this.hasIter = false;
    this.hasEpoch = false;
    this.step = undefined;
    this.valMode = false;
    let p = skipSpace(b, start, end);
    if (p === end) return BLANK;
    if (b[p] !== 123) return BAIL; // `{`
    p = skipSpace(b, p + 1, end);
    if (p < end && b[p] === 125) return skipSpace(b, p + 1, end) === end ? OK : BAIL; // `{}`
    for (;;) {
      // "key"
      if (p >= end || b[p] !== 34) return BAIL;
      const ks = p + 1;
      let h = 0;
      let q = ks;
      for (; q < end; q++) {
        const c = b[q]!;
        if (c === 34) break;
        if (c === 92 || c < 0x20 || c >= 0x80) return BAIL; // escapes, control bytes, non-ASCII
        h = (Math.imul(h, 31) + c) | 0;
      }
      if (q >= end) return BAIL;
      // An array-index key ("0") would be enumerated first by JSON.parse's object: keep that rare case there.
      if (q > ks && b[ks]! >= 48 && b[ks]! <= 57) return BAIL;
      const key = this.count >= INTERNED_PAIRS && !isRoleWord(b, ks, q) ? OVERFLOW : this.key(b, ks, q, h);
      if (key.stamp === stamp && key !== OVERFLOW) return BAIL; // duplicate key: JSON.parse keeps the last value
      key.stamp = stamp;
      const role = key.role;
      if (role === ROLE_HEADER) return BAIL;
      if (role === ROLE_ITER) this.hasIter = true;
      else if (role === ROLE_EPOCH) this.hasEpoch = true;
      p = skipSpace(b, q + 1, end);
      if (p >= end || b[p] !== 58) return BAIL; // `:`
      p = skipSpace(b, p + 1, end);
      if (p >= end) return BAIL;
      // value
      const c = b[p]!;
      if (c === 34) {
        const ss = p + 1;
        let r = ss;
        for (; r < end; r++) {
          const d = b[r]!;
          if (d === 34) break;
          if (d === 92 || d < 0x20 || d >= 0x80) return BAIL;
        }
        if (r >= end) return BAIL;
        const n = r - ss;
        if (role === ROLE_MODE)
          this.valMode = n === 3 && b[ss] === 118 && b[ss + 1] === 97 && b[ss + 2] === 108;
        // "NaN", "inf": Python's spellings written as strings are values too
        const f = b[ss]! | 0x20; // n, i, or a sign: the only ways a non-finite spelling starts
        if (n >= 3 && n <= 9 && (f === 110 || f === 105 || f === 43 || f === 45)) {
          const v = nonFinite(asciiText(b, ss, r));
          if (v !== null) this.push(key, v);
        }
        p = r + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        const ns = p;
        const negative = c === 45;
        if (negative) p++;
        if (p >= end) return BAIL;
        let d = b[p]!;
        if (d === 73) {
          // -Infinity: Python's json.dumps writes it bare
          if (!isWord(b, p, end, INFINITY)) return BAIL;
          p += 8;
          this.push(key, Number.NEGATIVE_INFINITY);
        } else {
          let mantissa = 0;
          let digits = 0;
          let exp10 = 0;
          if (d === 48) p++;
          else if (d >= 49 && d <= 57) {
            for (; p < end; p++) {
              d = b[p]!;
              if (d < 48 || d > 57) break;
              if (digits < 16) mantissa = mantissa * 10 + (d - 48);
              else exp10++;
              digits++;
            }
          } else return BAIL;
          if (p < end && b[p] === 46) {
            p++;
            const fs = p;
            for (; p < end; p++) {
              d = b[p]!;
              if (d < 48 || d > 57) break;
              if (digits < 16) {
                mantissa = mantissa * 10 + (d - 48);
                exp10--;
              }
              digits++;
            }
            if (p === fs) return BAIL;
          }
          if (p < end && (b[p] === 101 || b[p] === 69)) {
            p++;
            let expNegative = false;
            if (p < end && (b[p] === 43 || b[p] === 45)) expNegative = b[p++] === 45;
            const es = p;
            let e = 0;
            for (; p < end; p++) {
              d = b[p]!;
              if (d < 48 || d > 57) break;
              if (e < 100000) e = e * 10 + (d - 48);
            }
            if (p === es) return BAIL;
            exp10 += expNegative ? -e : e;
          }
          let v = decimalValue(mantissa, digits, exp10, negative);
          if (Number.isNaN(v)) v = Number(src.ascii(ns, p));
          this.push(key, v);
          if (role === ROLE_STEP) this.step = v;
        }
      } else if (c === 78) {
        if (!isWord(b, p, end, NAN)) return BAIL;
        p += 3;
        this.push(key, Number.NaN);
      } else if (c === 73) {
        if (!isWord(b, p, end, INFINITY)) return BAIL;
        p += 8;
        this.push(key, Number.POSITIVE_INFINITY);
      } else if (c === 116) {
        if (!isWord(b, p, end, TRUE)) return BAIL;
        p += 4;
      } else if (c === 102) {
        if (!isWord(b, p, end, FALSE)) return BAIL;
        p += 5;
      } else if (c === 110) {
        if (!isWord(b, p, end, NULL)) return BAIL;
        p += 4;
      } else return BAIL; // nested objects and lists: the general path flattens / skips them
      p = skipSpace(b, p, end);
      if (p >= end) return BAIL;
      if (b[p] === 44) {
        p = skipSpace(b, p + 1, end);
        continue;
      }
      if (b[p] !== 125) return BAIL;
      return skipSpace(b, p + 1, end) === end ? OK : BAIL;
    }
  }

  /** The scanned pairs into `builder`, named as JsonObjectReader would name them. */
  fill(builder: RecordBuilder): void {
    const val = this.valMode;
    for (let i = 0; i < this.count; i++) {
      const k = this.keys[i]!;
      if (val) builder.addKind(k.valName, k.valKind, this.values[i]!);
      else builder.addKind(k.name, k.kind, this.values[i]!);
    }
    if (this.overflow > 0) builder.rec.droppedMetrics = (builder.rec.droppedMetrics ?? 0) + this.overflow;
  }

  private push(key: Key, v: number): void {
    if (key === OVERFLOW) {
      this.overflow++;
      return;
    }
    this.keys[this.count] = key;
    this.values[this.count] = v;
    this.count++;
  }

  private key(b: Uint8Array, s: number, e: number, h: number): Key {
    const slot = (h ^ (h >>> 12) ^ (e - s)) & (SLOTS - 1);
    const hit = this.slots[slot];
    if (hit !== undefined && sameBytes(b, s, e, hit.bytes)) return hit;
    const name = asciiText(b, s, e);
    const valName = this.valName(name);
    const role =
      name === 'iter'
        ? ROLE_ITER
        : name === 'epoch'
          ? ROLE_EPOCH
          : name === 'step'
            ? ROLE_STEP
            : name === 'mode'
              ? ROLE_MODE
              : name === 'env_info'
                ? ROLE_HEADER
                : ROLE_NONE;
    const key: Key = {
      bytes: b.slice(s, e),
      name,
      kind: kindOf(name),
      valName,
      valKind: kindOf(valName),
      role,
      stamp: 0,
    };
    this.slots[slot] = key;
    return key;
  }
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const NAN = ascii('NaN');
const INFINITY = ascii('Infinity');
const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');

function isRoleWord(b: Uint8Array, s: number, e: number): boolean {
  for (const w of ROLE_WORDS) {
    if (e - s !== w.length) continue;
    let same = true;
    for (let i = 0; i < w.length && same; i++) same = (b[s + i]! | 0x20) === w[i] || b[s + i] === w[i];
    if (same) return true;
  }
  return false;
}

function isWord(b: Uint8Array, p: number, end: number, word: Uint8Array): boolean {
  if (p + word.length > end) return false;
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word[i]) return false;
  return true;
}

function sameBytes(b: Uint8Array, s: number, e: number, want: Uint8Array): boolean {
  if (e - s !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (b[s + i] !== want[i]) return false;
  return true;
}

/** JSON whitespace (space, tab, CR; LF ends the line). */
function skipSpace(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const c = b[p]!;
    if (c !== 32 && c !== 9 && c !== 13) break;
    p++;
  }
  return p;
}
