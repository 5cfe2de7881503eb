// `vigil inspect FILE --json`: what Vigil reads from one local file. Pure: bytes in, an InspectResult out
// (format, record count, metric names, loss metric, newest values; non-finite numbers as "NaN" /
// "Infinity" / "-Infinity"), plus the parser's warnings and, when nothing could be read, why.

import { countedEpoch, epochBaseOf } from '../../../shared/epoch';
import { encodeMetrics, encodeNumber } from '../../../shared/json-numbers';
import { chooseLossMetric } from '../../../shared/loss';
import { detectFormat, formatById } from './registry';
import type { FormatModule, ParseWarning } from './types';

export type JsonNumber = number | string | null;

export interface InspectResult {
  format: string | null;
  /** Why this format: forced, or what in the name or the content said so (null when none was chosen). */
  formatReason: string | null;
  records: number;
  /** Metric names in order of first appearance. */
  metrics: string[];
  lossMetric: string | null;
  last: {
    epoch: JsonNumber;
    step: JsonNumber;
    loss: JsonNumber;
    /** The newest value of every metric (a val row last in a Lightning CSV does not hide train_loss). */
    metrics: Record<string, JsonNumber>;
  };
  warnings: ParseWarning[];
  /** Set when the file could not be read (unknown format, bad regex, corrupt event file). */
  why?: string;
}

export interface InspectOptions {
  format?: string | undefined;
  loss?: string | undefined;
  regex?: string | undefined;
}

const HEAD = 64 * 1024;

function empty(format: string | null, why?: string): InspectResult {
  const r: InspectResult = {
    format,
    formatReason: null,
    records: 0,
    metrics: [],
    lossMetric: null,
    last: { epoch: null, step: null, loss: null, metrics: {} },
    warnings: [],
  };
  if (why !== undefined) r.why = why;
  return r;
}

export function inspectBytes(
  fileName: string,
  bytes: Uint8Array,
  options: InspectOptions = {},
): InspectResult {
  let format: FormatModule;
  let reason: string;
  try {
    if (options.format) {
      format = formatById(options.format);
      reason = 'given, not detected';
    } else if (options.regex) {
      format = formatById('regex');
      reason = 'a regex was given';
    } else {
      const d = detectFormat(fileName, new TextDecoder().decode(bytes.subarray(0, HEAD)));
      if (!d.format) return empty(null, d.why);
      format = d.format;
      reason = d.why;
    }
  } catch (e) {
    return empty(null, (e as Error).message);
  }

  let result: ReturnType<ReturnType<FormatModule['create']>['push']>;
  let parser: ReturnType<FormatModule['create']>;
  try {
    parser = format.create({ regex: options.regex });
    result = parser.push(bytes);
    // The file is complete: an unterminated last line is a whole line here.
    if (!format.binary && !format.wholeFile && bytes.length > 0 && bytes[bytes.length - 1] !== 10) {
      const tail = parser.push(new Uint8Array([10]));
      result.records.push(...tail.records);
      result.warnings.push(...tail.warnings);
    }
  } catch (e) {
    return { ...empty(format.id, (e as Error).message), formatReason: reason };
  }

  const names: string[] = [];
  const newest: Record<string, number> = {};
  let firstEpoch: number | null = null;
  let fractional = false;
  for (const rec of result.records) {
    if (rec.epoch !== null) {
      firstEpoch ??= rec.epoch;
      if (!Number.isInteger(rec.epoch)) fractional = true;
    }
    for (const [k, v] of Object.entries(rec.metrics)) {
      if (!(k in newest)) names.push(k);
      newest[k] = v;
    }
  }
  const lossMetric = chooseLossMetric(names, options.loss);
  const last = result.records.at(-1);
  const out = empty(format.id);
  out.formatReason = reason;
  out.records = result.records.length;
  out.metrics = names;
  out.lossMetric = lossMetric;
  out.last = {
    // As people count it (a Keras row `29,…` is epoch 30), like every epoch Vigil shows.
    epoch: encodeNumber(countedEpoch(last?.epoch ?? null, epochBaseOf(firstEpoch, fractional))),
    step: encodeNumber(last?.step),
    loss: encodeNumber(lossMetric === null ? null : newest[lossMetric]),
    metrics: encodeMetrics(newest),
  };
  out.warnings = result.warnings;
  const error = parser.facts().error;
  if (error) out.why = error;
  else if (result.records.length === 0) {
    out.why = `read as ${format.id}, but no line carries a metric yet`;
  }
  return out;
}
