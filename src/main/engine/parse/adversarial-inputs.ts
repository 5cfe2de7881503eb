// Adversarial text for the parsers: lines built to make a backtracking pattern take minutes, the entry
// points that read remote text, and a timing that a collection pause cannot fail. Shared by the unit test
// (adversarial.test.ts, one line per known trap) and the chaos sweep (every keyword × run × ending).

import { createCsvParser, sniffCsv } from './csv';
import { createJsonlParser, parseJsonLenient, sniffJsonl } from './jsonl';
import { createLogScanner, judgeTail } from './log-facts';
import { detectFormat } from './registry';
import { createTextParser, sniffText } from './text';
import { scanTextLine, statedTotalEpochs } from './text-line';
import { parseNumber } from './values';

export const SIZE = 100_000;
const enc = new TextEncoder();
export const pump = (prefix: string, unit: string, suffix: string) =>
  prefix + unit.repeat(Math.ceil((SIZE - prefix.length) / unit.length)) + suffix;

/**
 * One line per way a pattern could backtrack: a keyword, a run that two quantifiers could share, a
 * character that makes the match fail at the end. The full sweep (every keyword × run × ending) is in
 * the chaos suite (test/chaos/hostile-text.test.ts).
 */
export const ADVERSARIAL_LINES = [
  pump('step', ' ', 'x1'), // `\s*[:=#]?\s*\[?\s*`: cubic (N = 4,000 took 45 s)
  pump('Epoch', ' ', 'x'),
  pump('Epoch [', ' ', 'x'),
  pump('loss', ' ', 'x'), // `\s*(?:[:=]\s*|\s+)`: quadratic
  pump('train', ' ', 'x'),
  pump('loss ', '1', 'x'), // `\d+\.?\d*`
  pump('', '1', 'x'), // a digit run with no `/`: each start retried the run
  pump('', '1', '/x'),
  pump('1/2 [', '0', 'x'),
  pump('a', ' ', 'b'), // `\s+$`
  pump('a', '\r', 'b'),
  pump('x:', ' ', 'Killed'),
  pump('"', 'a', ''),
];

/** The slowest of the calls, each measured at its best of three (a collection pause is not the pattern). */
export function slowest(fn: (line: string) => unknown, all: string[]): { ms: number; line: string } {
  let worst = { ms: 0, line: '' };
  for (const line of all) {
    let best = Number.POSITIVE_INFINITY;
    for (let k = 0; k < 3 && best > 20; k++) {
      const t0 = performance.now();
      fn(line);
      best = Math.min(best, performance.now() - t0);
    }
    if (best > worst.ms) worst = { ms: best, line: `${JSON.stringify(line.slice(0, 40))}…(${line.length})` };
  }
  return worst;
}

// Milliseconds on an idle machine; the bound leaves room for a loaded one (a cubic pattern took 45 s).
export const BOUND_MS = 250;

export const ENTRY_POINTS: [string, (line: string) => unknown][] = [
  ['scanTextLine', (l) => scanTextLine(l)],
  ['statedTotalEpochs', (l) => statedTotalEpochs(l)],
  ['parseNumber', (l) => parseNumber(l)],
  ['judgeTail', (l) => judgeTail([l])],
  ['text parser (shape cache)', (l) => createTextParser().push(enc.encode(`${l}\n${l}\n`))],
  [
    'log scanner',
    (l) => {
      const s = createLogScanner();
      s.push(enc.encode(`${l}\n`));
      return s.fatal();
    },
  ],
  ['csv parser', (l) => createCsvParser().push(enc.encode(`a,b\n${l}\n1,2\n`))],
  ['jsonl parser', (l) => createJsonlParser().push(enc.encode(`{"a": "${l}"\n${l}\n`))],
  [
    'parseJsonLenient',
    (l) => {
      try {
        return parseJsonLenient(l);
      } catch {
        return null;
      }
    },
  ],
  ['sniffers', (l) => [sniffText(l), sniffCsv(l), sniffJsonl(l), detectFormat('x.log', l.slice(0, 65536))]],
];
