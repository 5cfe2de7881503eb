// The user's escape hatch: a JavaScript regex with named groups, tried on every line (and every
// `\r`-redrawn segment). `epoch`, `step` and `total` are counters; every other named group is a metric.

import type { MetricRecord } from '../../../shared/model';
import { overlongWarning, SegmentSplitter } from './lines';
import type { FileFacts, FormatModule, ParseResult, Parser, ParserOptions, ParseWarning } from './types';
import { parseNumber, RestartTracker } from './values';

const COUNTER_GROUPS = new Set(['epoch', 'step', 'total']);

/** Compiles `source` (`pattern` or `/pattern/flags`); throws an Error that names the regex and the problem. */
export function compileUserRegex(source: string): RegExp {
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(source);
  let re: RegExp;
  try {
    re = literal ? new RegExp(literal[1]!, literal[2]!.replace(/[gy]/g, '')) : new RegExp(source);
  } catch (e) {
    throw new Error(`Invalid regex ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
  const names = [...source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!);
  if (names.length === 0) {
    throw new Error(
      `Regex ${JSON.stringify(source)} has no named groups: name what to read, e.g. (?<loss>[\\d.]+)`,
    );
  }
  if (names.every((n) => COUNTER_GROUPS.has(n))) {
    throw new Error(
      `Regex ${JSON.stringify(source)} names only counters (${names.join(', ')}): add a metric group such as (?<loss>[\\d.eE+-]+|nan)`,
    );
  }
  return re;
}

export function createRegexParser(options?: ParserOptions): Parser {
  if (!options?.regex) throw new Error('Format "regex" needs a regex (options.regex) with named groups');
  const re = compileUserRegex(options.regex);
  const segments = new SegmentSplitter();
  const restarts = new RestartTracker();
  const facts: FileFacts = {};
  return {
    push(chunk): ParseResult {
      const records: MetricRecord[] = [];
      const warnings: ParseWarning[] = [];
      for (const { no, text, overlong } of segments.push(chunk)) {
        if (overlong) {
          warnings.push({ line: no, message: overlongWarning(no, overlong, 'characters') });
          continue;
        }
        const groups = re.exec(text)?.groups;
        if (!groups) continue;
        const rec: MetricRecord = { epoch: null, step: null, time: null, metrics: {} };
        let total: number | null = null;
        for (const [name, raw] of Object.entries(groups)) {
          if (raw === undefined) continue;
          const v = parseNumber(raw.trim());
          if (v === null) continue;
          if (name === 'epoch') rec.epoch = v;
          else if (name === 'step') rec.step = v;
          else if (name === 'total') total = v;
          else rec.metrics[name] = v;
        }
        // `total` counts whatever the line counts: epochs when it has an epoch, else steps.
        if (total !== null) {
          if (rec.epoch !== null) facts.totalEpochs = total;
          else facts.totalSteps = total;
        }
        if (Object.keys(rec.metrics).length > 0) records.push(restarts.mark(rec));
      }
      return { records, warnings };
    },
    facts: () => ({ ...facts }),
  };
}

export const regexFormat: FormatModule = {
  id: 'regex',
  // Never detected: the user chooses it by giving a regex.
  byName: () => 0,
  sniff: () => 0,
  create: createRegexParser,
};
