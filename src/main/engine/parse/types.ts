// The parser interface. Adding a format is one new module that exports a FormatModule and one line in
// registry.ts.

import type { MetricRecord } from '../../../shared/model';

export type FormatId = 'jsonl' | 'csv' | 'text' | 'regex' | (string & {});

/** Facts a log or metrics file can reveal beyond numbers: used by the health model. */
export interface FileFacts {
  /** Total epochs when the file states it (`Epoch 3/50`). */
  totalEpochs?: number;
  /** Total steps when the file states it (tqdm `120/1000`, max_steps). */
  totalSteps?: number;
  /** The format knows the run completed (e.g. a final summary entry). */
  completed?: boolean;
  /** The file cannot be read further (a corrupt TensorBoard frame): why, for doctor and the UI. */
  error?: string;
  /** The newest progress-bar state (tqdm): where it is, how fast, how long to go. */
  progress?: Progress;
  /** What the file did that its numbers do not show (a CSV whose header changed): shown beside them. */
  note?: string;
}

export interface Progress {
  step: number;
  total: number;
  /** Iterations per second; null while the bar prints `?it/s`. */
  rate: number | null;
  etaSeconds: number | null;
}

export interface ParseWarning {
  /** 1-based line number (or record index) where the problem is, when known. */
  line?: number;
  message: string;
}

export interface ParseResult {
  records: MetricRecord[];
  warnings: ParseWarning[];
}

/**
 * An incremental parser. `push` gets consecutive chunks of the file, exactly as read (arbitrary
 * boundaries, possibly mid-line and mid-UTF-8 sequence); it returns only records completed by that
 * chunk. A partial last line waits for the next push. Feeding a file in any chunking yields the same
 * records as feeding it whole.
 */
export interface Parser {
  push(chunk: Uint8Array): ParseResult;
  /** Facts learned so far. */
  facts(): FileFacts;
}

export interface ParserOptions {
  /** For format 'regex': a JavaScript regex with named groups (epoch, step, total, any metric). */
  regex?: string;
}

export interface FormatModule {
  id: FormatId;
  /** 0..1: how sure the file name alone makes us (e.g. `metrics.jsonl` → 0.9 for jsonl). */
  byName(fileName: string): number;
  /** 0..1: how sure the first bytes make us (the head is at most 64 KiB, decoded as UTF-8). */
  sniff(head: string): number;
  create(options?: ParserOptions): Parser;
  /**
   * The file is rewritten whole (trainer_state.json): the reader pushes the entire new content after
   * each change and the parser returns only records it has not returned before.
   */
  wholeFile?: true;
  /** The file is binary (TensorBoard event files): the head passed to sniff is not meaningful text. */
  binary?: true;
}
