// CSV with a header row: Lightning metrics.csv, Keras CSVLogger, Ultralytics results.csv, timm
// summary.csv. Names and values are trimmed (older Ultralytics pads both to width 23); an empty cell is
// an absent value (Lightning interleaves train and val rows); a row with the wrong number of cells is a
// warning, never a crash.

import { ByteLineSplitter, overlongWarning } from './lines';
import type { FileFacts, FormatModule, ParseResult, Parser } from './types';
import {
  decimalValue,
  excerpt,
  kindOf,
  nonFinite,
  parseNumber,
  RecordBuilder,
  RestartTracker,
  WarningSink,
} from './values';

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

const ROW = 0;
const SKIP = 1;
const BAIL = 2;

/**
 * The fast path for a plain row (ASCII, no quotes): cells are cut and read as numbers straight from the
 * bytes into `b`, with each column's kind worked out once from the header. Splitting into strings,
 * trimming them and a regex per cell was the cost of reading a CSV. Returns BAIL for anything else (a
 * quoted cell, non-ASCII, the wrong number of cells), which the general path then reads as before.
 */
function readRow(
  buf: Uint8Array,
  start: number,
  end: number,
  lines: ByteLineSplitter,
  header: string[],
  kinds: (number | undefined)[],
  headerBytes: Uint8Array | null,
  b: RecordBuilder,
): number {
  let blank = true;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80 || c === 34) return BAIL;
    if (blank && !isSpace(c)) blank = false;
  }
  if (blank) return SKIP;
  // A run restarted with the same logger may write its header again: not data.
  if (headerBytes !== null && end - start === headerBytes.length) {
    let same = true;
    for (let i = 0; i < headerBytes.length; i++) {
      if (buf[start + i] !== headerBytes[i]) {
        same = false;
        break;
      }
    }
    if (same) return SKIP;
  }
  let col = 0;
  let a = start;
  for (;;) {
    if (col >= header.length) return BAIL;
    let c = a;
    while (c < end && buf[c] !== 44) c++;
    const next = c + 1;
    // trim (ASCII whitespace: the line is ASCII)
    while (a < c && isSpace(buf[a]!)) a++;
    while (c > a && isSpace(buf[c - 1]!)) c--;
    if (c > a) {
      const v = cellNumber(buf, a, c, lines);
      if (v !== null) b.addKind(header[col]!, kinds[col], v);
    }
    col++;
    if (next > end) break;
    a = next;
  }
  return col === header.length ? ROW : BAIL;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** parseNumber on the cell's bytes: decimals (fast when short), else nan / inf spellings, else null. */
function cellNumber(buf: Uint8Array, a: number, e: number, lines: ByteLineSplitter): number | null {
  let p = a;
  let negative = false;
  let d = buf[p]!;
  if (d === 45 || d === 43) {
    negative = d === 45;
    p++;
  }
  let mantissa = 0;
  let digits = 0;
  let exp10 = 0;
  const is = p;
  for (; p < e; p++) {
    d = buf[p]!;
    if (d < 48 || d > 57) break;
    if (digits < 16) mantissa = mantissa * 10 + (d - 48);
    else exp10++;
    digits++;
  }
  let any = p > is;
  if (p < e && buf[p] === 46) {
    p++;
    const fs = p;
    for (; p < e; p++) {
      d = buf[p]!;
      if (d < 48 || d > 57) break;
      if (digits < 16) {
        mantissa = mantissa * 10 + (d - 48);
        exp10--;
      }
      digits++;
    }
    any ||= p > fs;
  }
  if (any && p < e && (buf[p] === 101 || buf[p] === 69)) {
    p++;
    let expNegative = false;
    if (p < e && (buf[p] === 43 || buf[p] === 45)) expNegative = buf[p++] === 45;
    const es = p;
    let x = 0;
    for (; p < e; p++) {
      d = buf[p]!;
      if (d < 48 || d > 57) break;
      if (x < 100000) x = x * 10 + (d - 48);
    }
    if (p === es) any = false;
    exp10 += expNegative ? -x : x;
  }
  if (any && p === e) {
    const v = decimalValue(mantissa, digits, exp10, negative);
    return Number.isNaN(v) ? Number(lines.ascii(a, e)) : v;
  }
  const n = e - a;
  return n >= 3 && n <= 9 ? nonFinite(lines.ascii(a, e)) : null;
}

/**
 * A row that is a header: two cells or more, every one a name (not empty, not a number). A logger that
 * adds a column mid-run writes a new one; rows after it are read by it.
 */
function isHeaderRow(cells: string[]): boolean {
  return cells.length >= 2 && cells.every((c) => c !== '' && parseNumber(c) === null && /[A-Za-z_]/.test(c));
}

export function createCsvParser(): Parser {
  const lines = new ByteLineSplitter();
  const sink = new WarningSink();
  const restarts = new RestartTracker();
  const facts: FileFacts = {};
  let header: string[] | null = null;
  let kinds: (number | undefined)[] = [];
  let headerBytes: Uint8Array | null = null;
  let headerLine = '';
  const adopt = (text: string, cells: string[]) => {
    header = cells;
    headerLine = text;
    kinds = cells.map(kindOf);
    headerBytes = /^[\x00-\x7f]*$/.test(text) ? Uint8Array.from(text, (c) => c.charCodeAt(0)) : null;
  };
  return {
    push(chunk): ParseResult {
      const result: ParseResult = { records: [], warnings: [] };
      lines.feed(chunk);
      while (lines.next()) {
        if (lines.overlong) {
          sink.add(result.warnings, lines.no, overlongWarning(lines.no, lines.overlong, 'bytes'));
          continue;
        }
        if (header !== null) {
          const b = new RecordBuilder();
          const row = readRow(lines.buf, lines.start, lines.end, lines, header, kinds, headerBytes, b);
          if (row === SKIP) continue;
          if (row === ROW && (b.metricCount > 0 || b.rec.epoch !== null || b.rec.step !== null)) {
            if (b.metricCount > 0) result.records.push(restarts.mark(b.rec));
            continue;
          }
          // A row with no number at all may be a new header: the general path looks.
        }
        const no = lines.no;
        const text = lines.text();
        if (text.trim() === '') continue;
        if (header === null) {
          adopt(text, splitCsvLine(text));
          continue;
        }
        if (text === headerLine) continue;
        const cells = splitCsvLine(text);
        if (isHeaderRow(cells)) {
          // The columns changed mid-file (a metric added, a run resumed by another logger): the rows
          // after this one are read by it, not skipped as "wrong number of cells".
          adopt(text, cells);
          facts.note = `the header changed at line ${no} (now ${excerpt(cells.join(','), 80)}): later rows read by it`;
          continue;
        }
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
          if (v !== null) b.addKind(header[i]!, kinds[i], v);
        }
        if (b.metricCount > 0) result.records.push(restarts.mark(b.rec));
      }
      return result;
    },
    facts(): FileFacts {
      return { ...facts };
    },
  };
}

/** Trailing `\r`s removed (a loop: `/\r+$/` is quadratic on a line full of them). */
function trimCarriageReturns(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** A header of names followed by rows with the same number of commas, mostly numbers. */
export function sniffCsv(head: string): number {
  const lines = head
    .split('\n')
    .slice(0, 20)
    .map(trimCarriageReturns)
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
