// JSON lines: one object per line (metrics.jsonl, detectron2 metrics.json, MMDetection *.log.json,
// MMEngine scalars.json, DETR log.txt). Python's json.dumps writes NaN / Infinity bare, which JSON.parse
// rejects: only lines that fail take the slower string-aware substitution. Most lines never get here:
// jsonl-fast.ts reads flat lines straight from their bytes and hands back only what it is unsure of.

import type { MetricRecord } from '../../../shared/model';
import { BAIL, BLANK, FastJsonLine } from './jsonl-fast';
import { ByteLineSplitter, overlongWarning } from './lines';
import type { FileFacts, FormatModule, ParseResult, Parser } from './types';
import { excerpt, nonFinite, RecordBuilder, RestartTracker, WarningSink } from './values';

// Strings are matched whole so a "NaN" inside a string is left alone; bare tokens become strings,
// which the field walker reads back as numbers.
const BARE_NON_FINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

export function parseJsonLenient(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (first) {
    const fixed = line.replace(BARE_NON_FINITE, (m) => (m.charCodeAt(0) === 34 ? m : `"${m}"`));
    if (fixed === line) throw first;
    return JSON.parse(fixed);
  }
}

/** Objects nested deeper than this are no metrics record (5,000 levels overflowed the stack). */
export const MAX_JSON_DEPTH = 64;

/** Thrown by addNumericFields for an object nested past MAX_JSON_DEPTH: the caller skips it, says so. */
export class TooDeep extends Error {
  constructor() {
    super(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = 'TooDeep';
  }
}

type Json = Record<string, unknown>;

/**
 * Numeric leaves in file order into `sink`; nested objects flattened with `/`; lists and other
 * strings skipped. `rename` adjusts top-level-or-nested full names (mmdet val losses). Walked with a
 * stack of its own, not the call stack, and refused past MAX_JSON_DEPTH (TooDeep).
 */
export function addNumericFields(
  obj: Json,
  sink: RecordBuilder,
  prefix = '',
  rename?: (name: string) => string,
): void {
  const stack: { obj: Json; keys: string[]; i: number; prefix: string }[] = [
    { obj, keys: Object.keys(obj), i: 0, prefix },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.keys.length) {
      stack.pop();
      continue;
    }
    const k = top.keys[top.i++]!;
    const v = top.obj[k];
    let n: number | null = null;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string') n = nonFinite(v);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if (stack.length >= MAX_JSON_DEPTH) throw new TooDeep();
      stack.push({ obj: v as Json, keys: Object.keys(v), i: 0, prefix: `${top.prefix + k}/` });
      continue;
    }
    if (n === null) continue;
    const name = top.prefix === '' ? k : top.prefix + k;
    sink.add(rename ? rename(name) : name, n);
  }
}

/** True when `value` holds objects or lists nested past `max` levels (walked without recursion). */
export function nestsDeeper(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const x of Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
  }
  return false;
}

const HELD_OUT = /^(val|eval|test)/i;
const valName = (name: string) => (/loss/i.test(name) && !HELD_OUT.test(name) ? `val_${name}` : name);

/**
 * Format-specific reading of one JSON object, kept here because the quirks are about keys, not syntax:
 * - MMDetection 2.x opens with an `{env_info, seed}` header: not progress.
 * - MMDetection `mode: "val"` lines: a loss measured on validation must not pass for the training
 *   loss, so loss names get a `val_` prefix.
 * - MMEngine scalars.json validation lines carry no epoch and their `step` counts epochs.
 */
export class JsonObjectReader {
  private sawIterAndEpoch = false;
  private readonly restarts = new RestartTracker();

  read(obj: Record<string, unknown>): MetricRecord | null {
    if ('env_info' in obj) return null;
    const b = new RecordBuilder();
    addNumericFields(obj, b, '', obj.mode === 'val' ? valName : undefined);
    return this.finish(b, 'iter' in obj, 'epoch' in obj, typeof obj.step === 'number' ? obj.step : undefined);
  }

  /** A line the fast path read (FastJsonLine.scan returned OK). */
  readScanned(line: FastJsonLine): MetricRecord | null {
    const b = new RecordBuilder();
    line.fill(b);
    return this.finish(b, line.hasIter, line.hasEpoch, line.step);
  }

  private finish(
    b: RecordBuilder,
    hasIter: boolean,
    hasEpoch: boolean,
    step: number | undefined,
  ): MetricRecord | null {
    const rec = b.rec;
    if (hasIter && hasEpoch) this.sawIterAndEpoch = true;
    else if (this.sawIterAndEpoch && !hasEpoch && !hasIter && step !== undefined) {
      rec.epoch = step;
      rec.step = null;
    }
    if (b.metricCount === 0) return null;
    return this.restarts.mark(rec);
  }
}

export function createJsonlParser(): Parser {
  const lines = new ByteLineSplitter();
  const fast = new FastJsonLine(valName);
  const reader = new JsonObjectReader();
  const sink = new WarningSink();
  return {
    push(chunk): ParseResult {
      const result: ParseResult = { records: [], warnings: [] };
      lines.feed(chunk);
      while (lines.next()) {
        if (lines.overlong) {
          sink.add(result.warnings, lines.no, overlongWarning(lines.no, lines.overlong, 'bytes'));
          continue;
        }
        const scanned = fast.scan(lines.buf, lines.start, lines.end, lines);
        if (scanned === BLANK) continue;
        if (scanned !== BAIL) {
          const rec = reader.readScanned(fast);
          if (rec) result.records.push(rec);
          continue;
        }
        const no = lines.no;
        const text = lines.text();
        if (text.trim() === '') continue;
        let obj: unknown;
        try {
          obj = parseJsonLenient(text);
        } catch {
          sink.add(result.warnings, no, `line ${no} is not JSON: ${excerpt(text)}`);
          continue;
        }
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
          sink.add(result.warnings, no, `line ${no} is not a JSON object: ${excerpt(text)}`);
          continue;
        }
        let rec: MetricRecord | null;
        try {
          rec = reader.read(obj as Record<string, unknown>);
        } catch (e) {
          if (!(e instanceof TooDeep)) throw e;
          sink.add(result.warnings, no, `line ${no} ${e.message}: skipped`);
          continue;
        }
        if (rec) result.records.push(rec);
      }
      return result;
    },
    facts(): FileFacts {
      return {};
    },
  };
}

/** How much the head looks like JSON lines: complete lines that are objects. */
export function sniffJsonl(head: string): number {
  const lines = head.split('\n');
  lines.pop(); // the last one may be cut off by the head limit
  let objects = 0;
  let others = 0;
  for (const l of lines.slice(0, 20)) {
    const t = l.trim();
    if (t === '') continue;
    if (t.startsWith('{') && t.endsWith('}')) {
      try {
        parseJsonLenient(t);
        objects++;
        continue;
      } catch {}
    }
    others++;
  }
  if (objects === 0) {
    // One long object cut by the head limit (DETR lines are 4 KB, MMDet headers longer).
    return head.startsWith('{"') && !head.includes('\n') ? 0.6 : 0;
  }
  return objects > others ? 0.95 : 0.4;
}

export const jsonlFormat: FormatModule = {
  id: 'jsonl',
  byName(fileName) {
    const n = fileName.toLowerCase();
    if (/\.(jsonl|ndjson)$/.test(n) || n.endsWith('.log.json') || n.endsWith('scalars.json')) return 0.9;
    if (n.endsWith('metrics.json')) return 0.8;
    return 0;
  },
  sniff: sniffJsonl,
  create: createJsonlParser,
};
