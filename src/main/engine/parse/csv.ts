// CSV with a header row: Lightning metrics.csv, Keras CSVLogger, Ultralytics results.csv, timm
// summary.csv. Names and values are trimmed (older Ultralytics pads both to width 23); an empty cell is
// an absent value (Lightning interleaves train and val rows); a row with the wrong number of cells is a
// warning, never a crash.

import { LineSplitter } from './lines';
import type { FileFacts, FormatModule, ParseResult, Parser } from './types';
import { excerpt, parseNumber, RecordBuilder, RestartTracker, WarningSink } from './values';

/** Splits one CSV line; quoted cells ("a,b", "say ""hi""") are honoured. Cells are trimmed. */
export function splitCsvLine(line: string, sep = ','): string[] {
  if (!line.includes('"')) return line.split(sep).map((c) => c.trim());
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      cells.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

export function createCsvParser(): Parser {
  const lines = new LineSplitter();
  const sink = new WarningSink();
  const restarts = new RestartTracker();
  let header: string[] | null = null;
  let headerLine = '';
  return {
    push(chunk): ParseResult {
      const result: ParseResult = { records: [], warnings: [] };
      for (const { no, text } of lines.push(chunk)) {
        if (text.trim() === '') continue;
        if (header === null) {
          header = splitCsvLine(text);
          headerLine = text;
          continue;
        }
        // A run restarted with the same logger may write its header again: not data.
        if (text === headerLine) continue;
        const cells = splitCsvLine(text);
        if (cells.length !== header.length) {
          sink.add(
            result.warnings,
            no,
            `line ${no} has ${cells.length} cells, the header has ${header.length}: ${excerpt(text)}`,
          );
          continue;
        }
        const b = new RecordBuilder();
        for (let i = 0; i < cells.length; i++) {
          const cell = cells[i]!;
          if (cell === '') continue;
          const v = parseNumber(cell);
          if (v !== null) b.add(header[i]!, v);
        }
        if (b.metricCount > 0) result.records.push(restarts.mark(b.rec));
      }
      return result;
    },
    facts(): FileFacts {
      return {};
    },
  };
}

/** A header of names followed by rows with the same number of commas, mostly numbers. */
export function sniffCsv(head: string): number {
  const lines = head
    .split('\n')
    .slice(0, 20)
    .map((l) => l.replace(/\r+$/, ''))
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) return 0;
  const first = lines[0]!;
  if (first.startsWith('{') || first.startsWith('[')) return 0;
  const cols = splitCsvLine(first);
  if (cols.length < 2 || cols.some((c) => c === '' || parseNumber(c) !== null)) return 0;
  const rows = lines.slice(1, -1); // the last line may be cut off by the head limit
  if (rows.length === 0) return 0.5;
  const good = rows.filter((r) => {
    const cells = splitCsvLine(r);
    return cells.length === cols.length && cells.some((c) => parseNumber(c) !== null);
  }).length;
  return good === rows.length ? 0.9 : good > rows.length / 2 ? 0.6 : 0.1;
}

export const csvFormat: FormatModule = {
  id: 'csv',
  byName: (fileName) => (/\.csv$/i.test(fileName) ? 0.9 : 0),
  sniff: sniffCsv,
  create: createCsvParser,
};
