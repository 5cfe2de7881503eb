// Plain-text training logs: one record per line (or `\r`-redrawn progress-bar state) that carries a
// metric and a counter or a loss. See text-line.ts for what a line may look like.

import type { MetricRecord } from '../../../shared/model';
import { overlongWarning, SegmentSplitter } from './lines';
import { isProgress, scanTextLine, statedTotalEpochs, type TextLine } from './text-line';
import { TextShapeCache } from './text-shape';
import type { FileFacts, FormatModule, ParseResult, Parser, ParseWarning } from './types';
import { RestartTracker, unixMs } from './values';

/**
 * Metric names come out of a regex as new strings on every line; using one as a property name makes V8
 * hash and look it up in its string table each time. The same few names recur, so each is mapped to
 * the first string seen for it, which V8 has already internalized.
 */
class NameInterner {
  private readonly names = new Map<string, string>();

  intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size < 10_000) this.names.set(name, name);
    return name;
  }
}

export function createTextParser(): Parser {
  const shapes = new TextShapeCache();
  return textParserUsing((line) => shapes.scan(line));
}

/** The parser over a given line reader: scanTextLine itself, or a shape cache that must agree with it. */
export function textParserUsing(scan: (line: string) => TextLine | null): Parser {
  const segments = new SegmentSplitter();
  const restarts = new RestartTracker();
  const facts: FileFacts = {};
  // Keras prints `Epoch 3/50` on its own line and the metrics on the next: the epoch carries over.
  let carriedEpoch: number | null = null;
  const names = new NameInterner();
  return {
    push(chunk): ParseResult {
      const records: MetricRecord[] = [];
      const warnings: ParseWarning[] = [];
      for (const { no, text, overlong } of segments.push(chunk)) {
        if (overlong) {
          warnings.push({ line: no, message: overlongWarning(no, overlong, 'characters') });
          continue;
        }
        const line = scan(text);
        if (!line) continue;
        if (line.totalEpochs !== null) facts.totalEpochs = line.totalEpochs;
        if (line.totalSteps !== null && line.progress === null) facts.totalSteps = line.totalSteps;
        if (line.progress) facts.progress = line.progress;
        if (line.epoch !== null) carriedEpoch = line.epoch;
        if (!isProgress(line)) {
          const stated = statedTotalEpochs(text);
          if (stated !== null) facts.totalEpochs = stated;
          continue;
        }
        const rec: MetricRecord = {
          epoch: line.epoch ?? carriedEpoch,
          step: line.step,
          time: null,
          metrics: {},
        };
        const metrics = line.metrics;
        for (let i = 0; i < metrics.length; i++) {
          const pair = metrics[i]!;
          const k = names.intern(pair[0]);
          const v = pair[1];
          if ((k === 'time' || k === 'timestamp') && rec.time === null) {
            const ms = unixMs(v);
            if (ms !== null) {
              rec.time = ms;
              continue;
            }
          }
          if (!(k in rec.metrics)) rec.metrics[k] = v;
        }
        records.push(restarts.mark(rec));
      }
      return { records, warnings };
    },
    facts: () => ({ ...facts }),
  };
}

/** How much the head reads as a training log: the share of lines that are progress records. */
export function sniffText(head: string): number {
  if (head.includes('\u0000')) return 0;
  const lines = head.split(/[\r\n]+/).slice(0, 400);
  let progress = 0;
  for (const l of lines) {
    const t = scanTextLine(l);
    if (t && isProgress(t)) progress++;
  }
  if (progress === 0) return 0.1;
  return progress >= 3 ? 0.6 : 0.4;
}

export const textFormat: FormatModule = {
  id: 'text',
  byName: (fileName) => (/\.(log|txt|out|err)$|(^|\/)(stdout|stderr|nohup\.out)$/i.test(fileName) ? 0.5 : 0),
  sniff: sniffText,
  create: createTextParser,
};
