// Bytes of a metrics file → records. Holds the first bytes until the format can be recognised (by the
// file name, then by sniffing), then feeds the chosen parser. A file Vigil cannot read says why.

import type { MetricRecord } from '../../../shared/model';
import type { FileFacts, FormatModule, Parser, ParseWarning } from '../parse';
import { detectFormat, formatById } from '../parse';
import type { FileConsumer } from './tracked-file';

const SNIFF_LIMIT = 64 * 1024;
const MIN_SNIFF = 4096;
const KEEP_WARNINGS = 20;

export interface MetricsStreamOptions {
  fileName: string;
  format?: string;
  regex?: string;
  onRecords(records: MetricRecord[]): void;
  onReset(reason: string): void;
}

export class MetricsStream implements FileConsumer {
  private parser: Parser | null = null;
  private module: FormatModule | null = null;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  /** Why no records can be read, when that is so. */
  error: string | null = null;
  readonly warnings: ParseWarning[] = [];
  warningCount = 0;
  /** Why the file last started over (truncated, replaced, rewritten), null if it never did. */
  lastReset: string | null = null;
  /** Since the last reset: bytes given to the parser, and records it returned. */
  private parsedBytes = 0;
  private recordCount = 0;

  constructor(private readonly opts: MetricsStreamOptions) {
    if (opts.format) {
      try {
        this.module = formatById(opts.format);
        this.parser = this.module.create({ regex: opts.regex });
      } catch (e) {
        this.error = (e as Error).message;
      }
    }
  }

  get format(): string | null {
    return this.module?.id ?? null;
  }

  get isWholeFile(): boolean {
    return (this.module as { wholeFile?: boolean } | null)?.wholeFile === true;
  }

  facts(): FileFacts {
    return this.parser?.facts() ?? {};
  }

  bytes(chunk: Uint8Array): void {
    if (this.parser) {
      this.parsedBytes += chunk.length;
      this.take(this.parser.push(chunk));
      return;
    }
    if (this.opts.format) return; // a forced format that failed to load: error already set
    // A file that starts with a hole (truncated under a writer that kept its offset) is sniffed from
    // where its data starts: zeros are no format's first bytes.
    if (this.headBytes === 0) {
      let at = 0;
      while (at < chunk.length && chunk[at] === 0) at++;
      if (at === chunk.length) return;
      chunk = chunk.subarray(at);
    }
    // The verdict of a full sniff window is final: keep no more of a file Vigil cannot read (it is
    // in the mirror), or a runaway file of noise would grow the head without end.
    if (this.error !== null && this.headBytes >= SNIFF_LIMIT) return;
    this.head.push(chunk);
    this.headBytes += chunk.length;
    this.tryDetect(false);
  }

  /** Called when no more bytes are coming for now: a short file is sniffed with what it has. */
  settle(): void {
    if (!this.parser && !this.opts.format && this.headBytes > 0) this.tryDetect(true);
  }

  reset(reason: string): void {
    this.parser = null;
    if (!this.opts.format) this.module = null;
    else if (this.module) this.parser = this.module.create({ regex: this.opts.regex });
    this.head = [];
    this.headBytes = 0;
    this.error = this.opts.format ? this.error : null;
    this.warnings.length = 0;
    this.warningCount = 0;
    this.parsedBytes = 0;
    this.recordCount = 0;
    this.lastReset = reason;
    this.opts.onReset(reason);
  }

  /** What a user should know about this file beyond its numbers, or null: shown in the worker's reason. */
  note(): string | null {
    const parts: string[] = [];
    if (this.lastReset) parts.push(`${this.lastReset}: read again from the start`);
    const said = this.parser?.facts().note;
    if (said) parts.push(said);
    const last = this.warnings.at(-1);
    if (this.warningCount > 0 && last) {
      const n = this.warningCount;
      const what = last.message.length > 100 ? `${last.message.slice(0, 100)}…` : last.message;
      parts.push(`${n} ${n === 1 ? 'line' : 'lines'} skipped (${n === 1 ? '' : 'last: '}${what})`);
    }
    if (this.module && this.recordCount === 0 && this.parsedBytes >= SNIFF_LIMIT) {
      const kb = Math.round(this.parsedBytes / 1024);
      parts.push(
        `no metrics found in ${kb} KiB of ${this.opts.fileName} read as ${this.module.id}: is it the metrics file?`,
      );
    }
    return parts.length > 0 ? parts.join('; ') : null;
  }

  private tryDetect(final: boolean): void {
    const joined = concat(this.head, this.headBytes);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(joined.subarray(0, SNIFF_LIMIT));
    const ready = final || this.headBytes >= MIN_SNIFF || text.includes('\n');
    if (!ready) return;
    const found = detectFormat(this.opts.fileName, text);
    if (!found.format) {
      this.error = `cannot tell the format of ${this.opts.fileName}: ${found.why}. Set metrics.format in the config.`;
      if (this.headBytes < SNIFF_LIMIT && !final)
        this.error = null; // wait for more bytes
      else if (this.headBytes > SNIFF_LIMIT) {
        this.head = [joined.slice(0, SNIFF_LIMIT)];
        this.headBytes = SNIFF_LIMIT;
      }
      return;
    }
    this.error = null;
    this.module = found.format;
    this.parser = found.format.create({ regex: this.opts.regex });
    this.head = [];
    this.headBytes = 0;
    this.parsedBytes = joined.length;
    this.take(this.parser.push(joined));
  }

  private take(result: { records: MetricRecord[]; warnings: ParseWarning[] }): void {
    for (const w of result.warnings) {
      this.warningCount++;
      this.warnings.push(w);
      if (this.warnings.length > KEEP_WARNINGS) this.warnings.shift();
    }
    this.recordCount += result.records.length;
    if (result.records.length > 0) this.opts.onRecords(result.records);
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
