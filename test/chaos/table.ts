// The chaos table: every fault test records one row; `npm run chaos` prints them all at the end and
// RELIABILITY.md keeps the latest. Rows go to a JSON-lines file so parallel test files can all add.

import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export const ROWS_FILE = path.resolve('test-results/chaos/rows.jsonl');

export interface ChaosRow {
  fault: string;
  expected: string;
  observed: string;
  /** ms from the fault to Vigil saying so (null: not applicable). */
  detectionMs: number | null;
  /** ms from the fault's end to Vigil back to normal (null: not applicable). */
  recoveryMs: number | null;
  recordsLost: number | null;
  recordsDuplicated: number | null;
  connectionAttempts: number | null;
  rssBeforeMb: number | null;
  rssAfterMb: number | null;
  /** true when the expectation held. */
  pass: boolean;
  /** Why a fault could not be injected here, when it could not. */
  notRun?: string;
}

type Figure =
  | 'detectionMs'
  | 'recoveryMs'
  | 'recordsLost'
  | 'recordsDuplicated'
  | 'connectionAttempts'
  | 'rssBeforeMb'
  | 'rssAfterMb';

/** A row as a test gives it: the figures it leaves out are null ("not applicable"). */
export type RowInput = Omit<ChaosRow, Figure> & Partial<Pick<ChaosRow, Figure>>;

export function recordRow(input: RowInput): void {
  // Every field in ChaosRow order, so the rows file keeps one shape whatever the caller left out.
  const row: ChaosRow = {
    fault: input.fault,
    expected: input.expected,
    observed: input.observed,
    detectionMs: input.detectionMs ?? null,
    recoveryMs: input.recoveryMs ?? null,
    recordsLost: input.recordsLost ?? null,
    recordsDuplicated: input.recordsDuplicated ?? null,
    connectionAttempts: input.connectionAttempts ?? null,
    rssBeforeMb: input.rssBeforeMb ?? null,
    rssAfterMb: input.rssAfterMb ?? null,
    pass: input.pass,
    ...(input.notRun === undefined ? {} : { notRun: input.notRun }),
  };
  mkdirSync(path.dirname(ROWS_FILE), { recursive: true });
  appendFileSync(ROWS_FILE, `${JSON.stringify(row)}\n`);
}

/** A fault whose expectations all held: RSS measured now, against `rssBeforeMb` taken before it. */
export function recordPass(row: Omit<RowInput, 'pass' | 'rssAfterMb'> & { rssBeforeMb: number }): void {
  recordRow({ ...row, rssAfterMb: rssMb(), pass: true });
}

/** A fault that could not be injected on this machine, and why. */
export function recordNotRun(fault: string, expected: string, why: string): void {
  recordRow({ fault, expected, observed: '', pass: false, notRun: why });
}

export function rssMb(): number {
  return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
}

export function readRows(): ChaosRow[] {
  if (!existsSync(ROWS_FILE)) return [];
  return readFileSync(ROWS_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ChaosRow);
}

export function clearRows(): void {
  rmSync(ROWS_FILE, { force: true });
}

const cell = (v: unknown) => (v === null || v === undefined ? '–' : String(v));

/** The table as Markdown, for the terminal and for RELIABILITY.md. */
export function renderTable(rows: ChaosRow[]): string {
  const head = [
    'fault',
    'expected',
    'observed',
    'detect ms',
    'recover ms',
    'lost',
    'dup',
    'attempts',
    'RSS MB before→after',
    'result',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const rss = r.rssBeforeMb === null ? '–' : `${r.rssBeforeMb}→${cell(r.rssAfterMb)}`;
    const result = r.notRun ? `not run: ${r.notRun}` : r.pass ? 'pass' : 'FAIL';
    lines.push(
      `| ${[r.fault, r.expected, r.observed, cell(r.detectionMs), cell(r.recoveryMs), cell(r.recordsLost), cell(r.recordsDuplicated), cell(r.connectionAttempts), rss, result].map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
