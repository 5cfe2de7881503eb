// The user's escape hatch: a JavaScript regex with named groups, tried on every line (and every
// `\r`-redrawn segment). `epoch`, `step` and `total` are counters; every other named group is a metric.

import type { MetricRecord } from '../../../shared/model';
import { BoundedRegex, REGEX_BUDGET_MS } from './bounded-regex';
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

/** Lines past the time bound before the regex is given up (each costs the bound once). */
const MAX_SLOW_LINES = 3;

export function createRegexParser(options?: ParserOptions): Parser {
  if (!options?.regex) throw new Error('Format "regex" needs a regex (options.regex) with named groups');
  const source = options.regex;
  const re = new BoundedRegex(compileUserRegex(source));
  const segments = new SegmentSplitter();
  const restarts = new RestartTracker();
  const facts: FileFacts = {};
  let slowLines = 0;
  return {
    push(chunk): ParseResult {
      const records: MetricRecord[] = [];
      const warnings: ParseWarning[] = [];
      const lines = segments.push(chunk);
      if (facts.error) return { records, warnings }; // given up: said once, in facts
      const texts: string[] = [];
      const nos: number[] = [];
      for (const { no, text, overlong } of lines) {
        if (overlong) warnings.push({ line: no, message: overlongWarning(no, overlong, 'characters') });
        else {
          texts.push(text);
          nos.push(no);
        }
      }
      const { groups: all, slow } = re.execAll(texts);
      for (const i of slow) {
        slowLines++;
        const no = nos[i]!;
        warnings.push({
          line: no,
          message: `line ${no}: the regex ran over ${REGEX_BUDGET_MS} ms on it: skipped`,
        });
        if (slowLines >= MAX_SLOW_LINES) {
          facts.error =
            `the regex ${JSON.stringify(source)} ran over ${REGEX_BUDGET_MS} ms on ${slowLines} lines (the last: line ${no}): ` +
            'it backtracks too much; simplify it (nested repeats such as (a+)+ or (\\s*\\w*)* are the usual cause)';
          return { records, warnings };
        }
      }
      for (const groups of all) {
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
