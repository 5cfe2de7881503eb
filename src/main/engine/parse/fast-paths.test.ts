// JSON lines and CSV read most lines straight from bytes (jsonl-fast.ts, csv.ts readRow) and hand the
// rest to the general path. These tests hold the fast paths to the general path's meaning: each file
// here is read by the parser and by a reference built from the general pieces only, line by line.
import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../shared/model';
import { createCsvParser, splitCsvLine } from './csv';
import { createJsonlParser, JsonObjectReader, parseJsonLenient } from './jsonl';
import { enc, feed, randomChunks, rng } from './test-helpers';
import { parseNumber, RecordBuilder, RestartTracker } from './values';

function referenceJsonl(text: string): { records: MetricRecord[]; bad: number[] } {
  const reader = new JsonObjectReader();
  const records: MetricRecord[] = [];
  const bad: number[] = [];
  text
    .split('\n')
    .slice(0, -1)
    .forEach((raw, i) => {
      const line = raw.replace(/\r+$/, '');
      if (line.trim() === '') return;
      let obj: unknown;
      try {
        obj = parseJsonLenient(line);
      } catch {
        bad.push(i + 1);
        return;
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        bad.push(i + 1);
        return;
      }
      const rec = reader.read(obj as Record<string, unknown>);
      if (rec) records.push(rec);
    });
  return { records, bad };
}

function referenceCsv(text: string): { records: MetricRecord[]; bad: number[] } {
  const restarts = new RestartTracker();
  const records: MetricRecord[] = [];
  const bad: number[] = [];
  let header: string[] | null = null;
  let headerLine = '';
  text
    .split('\n')
    .slice(0, -1)
    .forEach((raw, i) => {
      const line = raw.replace(/\r+$/, '');
      if (line.trim() === '') return;
      if (header === null) {
        header = splitCsvLine(line);
        headerLine = line;
        return;
      }
      if (line === headerLine) return;
      const cells = splitCsvLine(line);
      if (cells.length !== header.length) {
        bad.push(i + 1);
        return;
      }
      const b = new RecordBuilder();
      cells.forEach((c, j) => {
        const v = c === '' ? null : parseNumber(c);
        if (v !== null) b.add(header![j]!, v);
      });
      if (b.metricCount > 0) records.push(restarts.mark(b.rec));
    });
  return { records, bad };
}

/** A number as a logger may print it: short, 17 digits, exponents, signs, odd forms. */
function numberText(r: () => number): string {
  const k = Math.floor(r() * 12);
  const x = (r() - 0.3) * 10 ** Math.floor(r() * 12 - 6);
  if (k === 0) return String(x);
  if (k === 1) return x.toExponential(Math.floor(r() * 17));
  if (k === 2) return String(Math.fround(x));
  if (k === 3) return x.toFixed(Math.floor(r() * 8));
  if (k === 4) return String(Math.floor(x * 1e6));
  if (k === 5)
    return ['-0', '0', '1e400', '-1e-400', '12345678901234567890', '0.1e-5', '5E+3'][Math.floor(r() * 7)]!;
  if (k === 6) return ['01', '1.', '.5', '+1', '1e', '--1', '1.2.3', '0x10'][Math.floor(r() * 8)]!;
  return String(Math.round(x * 1e4) / 1e4);
}

const JSON_PIECES = [
  '"loss": ',
  '"step": ',
  '"iter": ',
  '"epoch": ',
  '"mode": "val"',
  '"mode": "train"',
  '"time": 1700000000.5',
  '"s": "nan"',
  '"s": "-Infinity"',
  '"name": "héllo"',
  '"esc\\"aped": 1',
  '"0": 2',
  '"nested": {"a": 1}',
  '"list": [1, 2]',
  '"loss": NaN',
  '"loss": -Infinity',
  '"ok": true',
  '"no": null',
  '"val_loss": 3',
  '"loss_cls": ',
  '"env_info": "x"',
];

function jsonLine(r: () => number): string {
  const n = Math.floor(r() * 6);
  const fields: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = JSON_PIECES[Math.floor(r() * JSON_PIECES.length)]!;
    fields.push(p.endsWith(': ') ? p + numberText(r) : p);
  }
  const sep = r() < 0.2 ? ' ,\t' : ', ';
  const line = `{${fields.join(sep)}}`;
  const t = r();
  return t < 0.03 ? `  ${line}  ` : t < 0.05 ? line.slice(0, -1) : t < 0.06 ? '   ' : line;
}

// NaN, ±Infinity and -0 must survive the comparison too.
const withNaN = (x: unknown) =>
  JSON.stringify(x, (_, v) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v));

describe('the JSON lines fast path', () => {
  it('reads every line as JSON.parse and the general path do', () => {
    const r = rng(11);
    let records = 0;
    for (let f = 0; f < 40; f++) {
      const lines = Array.from({ length: 200 }, () => jsonLine(r));
      const text = `${lines.join(r() < 0.5 ? '\n' : '\r\n')}\n`;
      const want = referenceJsonl(text);
      const got = feed(createJsonlParser(), randomChunks(enc(text), f));
      expect(withNaN(got.records)).toBe(withNaN(want.records));
      expect(got.warnings.map((w) => w.line)).toEqual(want.bad.slice(0, 99));
      records += got.records.length;
    }
    expect(records).toBeGreaterThan(3000); // the files are mostly records, not mostly errors
  });
});

describe('the CSV fast path', () => {
  it('reads every row as splitCsvLine and parseNumber do', () => {
    const r = rng(12);
    const cells = () => {
      const t = r();
      if (t < 0.1) return '';
      if (t < 0.15) return ['nan', ' NaN ', '-inf', 'Infinity', 'x', ' ', '"1,5"', 'é'][Math.floor(r() * 8)]!;
      return (r() < 0.1 ? '  ' : '') + numberText(r) + (r() < 0.1 ? ' \t' : '');
    };
    let records = 0;
    for (let f = 0; f < 40; f++) {
      const header = 'epoch, step ,loss,val/acc,lr';
      const rows = [header];
      for (let i = 0; i < 200; i++) {
        const n = r() < 0.05 ? 4 : 5;
        rows.push(r() < 0.02 ? header : Array.from({ length: n }, cells).join(','));
      }
      const text = `\ufeff${rows.join(r() < 0.5 ? '\n' : '\r\n')}\n`;
      const want = referenceCsv(text.slice(1));
      const got = feed(createCsvParser(), randomChunks(enc(text), f));
      expect(withNaN(got.records)).toBe(withNaN(want.records));
      expect(got.warnings.map((w) => w.line)).toEqual(want.bad);
      records += got.records.length;
    }
    expect(records).toBeGreaterThan(3000); // the files are mostly records, not mostly errors
  });
});
