// Reading one plain-text log line: counters (`Epoch 3/50`, `Epoch [e][i/N]`, `step 400`, tqdm's
// `120/1000 [00:30<03:40, 4.0it/s]`) and name/value pairs (`loss: 0.41`, `loss=0.4`, `train loss 3.33`,
// `'loss': 0.41`). Pure: the parser (text.ts) and the log scanner (log-facts.ts) both use it.

import type { Progress } from './types';
import { isEpochKey, isStepKey, nonFinite } from './values';

export interface TextLine {
  epoch: number | null;
  step: number | null;
  totalEpochs: number | null;
  totalSteps: number | null;
  /** Metrics in the order written. */
  metrics: [string, number][];
  /** The line itself carries a counter (epoch or step), not only values. */
  hasCounter: boolean;
  /** tqdm's bar: its rate is turned into iterations per second (`s/it` is inverted). */
  progress: Progress | null;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x08/g;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
// MMDetection 2.x `Epoch [1][50/361]`, MMEngine `Epoch(train) [1][ 50/361]`: the second bracket counts
// iterations within the epoch, so it is the step and says nothing of the run's total.
const MMDET = /\bEpoch(?:\((\w+)\))?\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*\/\s*\d+\s*\]/i;
const MM_ITER = /\bIter(?:\((\w+)\))?\s*\[\s*(\d+)\s*\/\s*(\d+)\s*\]/i;
// Every pattern runs in time linear in the line, whatever it holds (a 2.5 KB line once froze the engine
// for minutes): no two quantifiers may take the same characters in turn (`\s*[:=]?\s*` is cubic on a run
// of spaces: each optional part now brings its own spaces), and a run of digits or a word is only
// entered at its start (`(?<!\d)`, `(?<![\w./-])`), so a failed match is not retried inside it.
const EPOCH_OF = /\bEpoch\s*(?:[[(]\s*)?(\d+)\s*(?:\/|\bof\b)\s*(\d+)\s*[\])]?/i;
const TQDM = /(?<!\d)(\d+)\/(\d+)\s*\[([\d:]+)<([\d:?]+),\s*([\d.]+|\?)\s*(s\/[a-zA-Z]+|[a-zA-Z]+\/s)/;
const COUNTER =
  /\b(epoch|step|iteration|iter|global_step)\b\s*(?:[:=#]\s*)?(?:\[\s*)?(\d+(?:\.\d+)?)(?:\s*\/\s*(\d+))?\s*\]?/gi;
// Keras' `250/250 [==============================]`: a per-epoch batch counter, not the run's step.
const KERAS_BAR = /(?<!\d)\d+\/\d+\s*\[[=>.]*\]/g;
const PAIR =
  /(?<![\w./-])['"]?((?:(?:train|training|val|valid|validation|test|eval)\s+)?[A-Za-z][\w./-]*)['"]?(?:\s*[:=]\s*|\s+)([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?))(?:%|ms|s|it\/s|s\/it)?(?![\w.:/])/gi;
const LIST_FOLLOWS = /^\s+[-+]?\.?\d/;
const QUICK = /\d|nan|inf/i;
const EPOCH_WORD = /epoch/i;
const STEP_WORD = /step|iter/i;
/** Names that look like values but are not training metrics. */
const SKIP_NAMES = new Set(['eta', 'line']);

export function hms(s: string): number | null {
  if (!/^\d+(?::\d+)*$/.test(s)) return null;
  return s.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
}

function blank(s: string, start: number, len: number): string {
  return s.slice(0, start) + ' '.repeat(len) + s.slice(start + len);
}

/** A matched value as a number: nan/inf spellings too. */
export function num(s: string): number {
  const c = s.charCodeAt(s.length - 1);
  return c >= 48 && c <= 57 ? Number(s) : (nonFinite(s) ?? Number(s));
}

const COUNTER_NAMES = new Map<string, 'epoch' | 'step'>([
  ['epoch', 'epoch'],
  ['step', 'step'],
  ['iteration', 'step'],
  ['iter', 'step'],
  ['global_step', 'step'],
]);

function counterName(name: string): 'epoch' | 'step' | undefined {
  const c = COUNTER_NAMES.get(name);
  if (c !== undefined || name.length > 11) return c;
  const lower = name.toLowerCase();
  return lower === name ? undefined : isEpochKey(lower) ? 'epoch' : isStepKey(lower) ? 'step' : undefined;
}

/** Reads one line (or one `\r`-segment). Null when it carries no numbers at all. */
export function scanTextLine(raw: string): TextLine | null {
  if (!QUICK.test(raw)) return null;
  return scanStripped(stripAnsi(raw), null);
}

/** A line with no digit and no nan/inf spelling carries no numbers: scanTextLine gives null for it. */
export function mayHoldNumbers(raw: string): boolean {
  return QUICK.test(raw);
}

export function stripAnsi(raw: string): string {
  return raw.includes('\x1b') || raw.includes('\x08') ? raw.replace(ANSI, '') : raw;
}

/**
 * Told by scanStripped where each number it reads came from, so that text-shape.ts can read the next
 * line of the same shape without the patterns. Null on the ordinary path.
 */
export interface ShapeRecorder {
  /** `s.replace(re, ' ')`, noting where the text moved. */
  replace(s: string, re: RegExp): string;
  /** The capture group `g` of `m` (a regex with the `d` flag) as a slot: a string read at a known place. */
  group(m: RegExpExecArray, g: number): number;
  epoch: number;
  step: number;
  totalEpochs: number;
  totalSteps: number;
  progress(m: RegExpExecArray, invert: boolean): void;
  metric(p: RegExpExecArray, name: string, valPrefix: boolean): void;
}

// The same patterns with indices (`d`), used only while a line's shape is being recorded.
const withIndices = (re: RegExp) => new RegExp(re.source, `${re.flags}d`);
const MMDET_D = withIndices(MMDET);
const MM_ITER_D = withIndices(MM_ITER);
const EPOCH_OF_D = withIndices(EPOCH_OF);
const TQDM_D = withIndices(TQDM);
const COUNTER_D = withIndices(COUNTER);
const PAIR_D = withIndices(PAIR);

/** scanTextLine after the QUICK test and without ANSI codes; `rec` (if any) is told where each number was. */
export function scanStripped(stripped: string, rec: ShapeRecorder | null): TextLine {
  // Each pattern runs only when a cheap substring test says it could match: this is the hot path.
  let s = stripped;
  if (s.includes(':') && s.includes('-')) s = rec ? rec.replace(s, TIMESTAMP) : s.replace(TIMESTAMP, ' ');
  // Case-insensitive tests instead of lowering the whole line: no copy of every line.
  const hasEpoch = EPOCH_WORD.test(s);
  const out: TextLine = {
    epoch: null,
    step: null,
    totalEpochs: null,
    totalSteps: null,
    metrics: [],
    hasCounter: false,
    progress: null,
  };
  let valMode = false;

  let m = hasEpoch && s.includes('[') ? (rec ? MMDET_D : MMDET).exec(s) : null;
  if (m) {
    out.epoch = Number(m[2]);
    out.step = Number(m[3]);
    if (rec) {
      rec.epoch = rec.group(m, 2);
      rec.step = rec.group(m, 3);
    }
  } else if (s.includes('Iter')) {
    m = (rec ? MM_ITER_D : MM_ITER).exec(s);
    if (m) {
      out.step = Number(m[2]);
      out.totalSteps = Number(m[3]);
      if (rec) {
        rec.step = rec.group(m, 2);
        rec.totalSteps = rec.group(m, 3);
      }
    }
  }
  if (m) {
    valMode = m[1]?.toLowerCase() === 'val';
    s = blank(s, m.index, m[0].length);
  }
  m = hasEpoch ? (rec ? EPOCH_OF_D : EPOCH_OF).exec(s) : null;
  if (m) {
    out.epoch = Number(m[1]);
    out.totalEpochs = Number(m[2]);
    if (rec) {
      rec.epoch = rec.group(m, 1);
      rec.totalEpochs = rec.group(m, 2);
    }
    s = blank(s, m.index, m[0].length);
  }
  m = s.includes('<') ? (rec ? TQDM_D : TQDM).exec(s) : null;
  if (m) {
    const step = Number(m[1]);
    const total = Number(m[2]);
    const r = m[5] === '?' ? null : Number(m[5]);
    const invert = m[6]!.startsWith('s/');
    out.progress = { step, total, rate: progressRate(r, invert), etaSeconds: hms(m[4]!) };
    out.step = step;
    out.totalSteps = total;
    rec?.progress(m, invert);
    s = blank(s, m.index, m[0].length);
  }
  const counterRe = rec ? COUNTER_D : COUNTER;
  counterRe.lastIndex = 0;
  const counters = hasEpoch || STEP_WORD.test(s);
  for (let c = counters ? counterRe.exec(s) : null; c; c = counterRe.exec(s)) {
    const v = Number(c[2]);
    if (c[1]!.toLowerCase() === 'epoch') {
      if (out.epoch === null) {
        out.epoch = v;
        if (rec) rec.epoch = rec.group(c, 2);
      }
      if (c[3] !== undefined && out.totalEpochs === null) {
        out.totalEpochs = Number(c[3]);
        if (rec) rec.totalEpochs = rec.group(c, 3);
      }
    } else {
      if (out.step === null) {
        out.step = v;
        if (rec) rec.step = rec.group(c, 2);
      }
      if (c[3] !== undefined && out.totalSteps === null) {
        out.totalSteps = Number(c[3]);
        if (rec) rec.totalSteps = rec.group(c, 3);
      }
    }
    s = blank(s, c.index, c[0].length);
  }
  if (s.includes('[=') || s.includes('[.')) s = rec ? rec.replace(s, KERAS_BAR) : s.replace(KERAS_BAR, ' ');
  out.hasCounter = out.epoch !== null || out.step !== null;

  const pair = rec ? PAIR_D : PAIR;
  pair.lastIndex = 0;
  for (let p = pair.exec(s); p; p = pair.exec(s)) {
    // `bbox_mAP_copypaste: 0.358 0.622 0.383` is a list, not a value.
    const after = s.charCodeAt(pair.lastIndex);
    if ((after === 32 || after === 9) && LIST_FOLLOWS.test(s.slice(pair.lastIndex, pair.lastIndex + 8)))
      continue;
    const raw1 = p[1]!;
    const name = raw1.includes(' ') || raw1.includes('\t') ? raw1.replace(/\s+/g, '_') : raw1;
    // (only names as long as the skipped ones are lowered: one string fewer per pair)
    if ((name.length === 3 || name.length === 4) && SKIP_NAMES.has(name.toLowerCase())) continue;
    const v = num(p[2]!);
    const counter = counterName(name);
    if (counter === 'epoch') {
      if (out.epoch === null) {
        out.epoch = v;
        if (rec) rec.epoch = rec.group(p, 2);
      }
      out.hasCounter = true;
    } else if (counter === 'step') {
      if (out.step === null) {
        out.step = v;
        if (rec) rec.step = rec.group(p, 2);
      }
      out.hasCounter = true;
    } else {
      const held = valMode && /loss/i.test(name) && !/^(val|eval|test)/i.test(name);
      out.metrics.push([held ? `val_${name}` : name, v]);
      rec?.metric(p, name, held);
    }
  }
  return out;
}

/** tqdm's rate in iterations per second: `s/it` rates are inverted (a zero one is no rate). */
export function progressRate(r: number | null, invert: boolean): number | null {
  return r === null ? null : invert ? (r > 0 ? 1 / r : null) : r;
}

const LOSS_NAME = /^(?:(?:train|training|val|valid|validation|test|eval|total)[_/])?loss$/i;

/**
 * A line is progress when it has a metric and either a counter or a loss by name (`loss=0.4`). Config
 * dumps (`lr=0.0025, momentum=0.9`, `loss_weight=1.0`) have neither, so they are not records.
 */
export function isProgress(line: TextLine): boolean {
  if (line.metrics.length === 0) return false;
  return line.hasCounter || line.metrics.some(([n]) => LOSS_NAME.test(n));
}

const TOTAL_EPOCHS =
  /\bmax:\s*(\d+)\s+epochs\b|\b(?:total_epochs|max_epochs|num_train_epochs|num_epochs)\s*[=:]\s*(\d+)\b/i;

/** A run's planned epochs stated outside progress lines (mmdet `max: 12 epochs`, config dumps). */
export function statedTotalEpochs(raw: string): number | null {
  const m = TOTAL_EPOCHS.exec(raw);
  if (!m) return null;
  return Number(m[1] ?? m[2]);
}
