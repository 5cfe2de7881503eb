// Reads rsync's progress output. Pure.
//
// With GNU rsync ≥ 3.1, `--info=progress2,stats1`, one line for the whole transfer:
// progress2 rewrites one line with "\r":   `  1,234,567  45%   12.34MB/s    0:00:03 (xfr#3, to-chk=10/20)`
// - bytes are the whole transfer's so far, with "," separators (LC_ALL=C; "." in some locales);
// - the rate's units are powers of 1024 (rsync computes kB/s as bytes/1024);
// - the time is the ETA while a file is in flight, but the elapsed time on the line that ends a file
//   (the one carrying "(xfr#N, to-chk=M/T)"); there the ETA is derived from bytes, percent and rate;
// - the percentage can end below 100 % (files that were already up to date are not counted), and the
//   "(xfr#…)" part can be absent (a line in the middle of a file).
// stats1 adds, at the end: `sent 20 bytes  received 142 bytes  108.00 bytes/sec`.
//
// Older rsyncs and openrsync only have per-file `--progress` (and `--stats` for that last line): the
// same columns, but bytes and percent are of the current file, and the end-of-file line says
// `(xfer#N, to-check=M/T)`. ProgressReader in 'per-file' mode adds the files up into a transfer total,
// with the share of files checked as the percentage and no ETA (the total size is not known ahead).
// openrsync writes "KB/s", leaves the rate out below 1 KiB/s, prints a garbage time when the rate is 0
// (those lines still count as progress) and its to-check=M/T counts up: M is the file's index in the
// list, where GNU rsync's M is what is left.

export interface Progress {
  /** Bytes of file data handled so far (the transfer's logical size, not the wire bytes). */
  bytes: number;
  /** 0..100 */
  percent: number;
  /** Bytes per second. */
  rate: number;
  /** Seconds left; null when it cannot be known. */
  eta: number | null;
  /** Files transferred so far, when the line says. */
  transferred: number | null;
  /** Files still to check and total, when the line says. */
  toCheck: { left: number; total: number } | null;
}

const UNITS: Record<string, number> = { kB: 1024, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

const LINE =
  /^\s*([\d,.]+)\s+(\d{1,3})%(?:\s+([\d.,]+)([kKMGT]B)\/s)?\s+(-?\d+):(-?\d+):(-?\d{2})(?:\s+\((?:xfe?r#(\d+),\s*)?(?:to|ir)-ch(?:ec)?k=(\d+)\/(\d+)\))?\s*$/;

/** One progress2 update, or null when the text is not one. */
export function parseProgressLine(text: string): Progress | null {
  const m = LINE.exec(text);
  if (!m) return null;
  const bytes = Number(m[1]!.replace(/[,.]/g, ''));
  const percent = Math.min(100, Number(m[2]));
  const rate = m[3] === undefined ? 0 : Number(m[3].replace(',', '.')) * UNITS[m[4]!]!;
  const time = Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]);
  const endOfFile = m[9] !== undefined;
  let eta: number | null = time >= 0 ? time : null;
  if (endOfFile) {
    // The time shown is elapsed: estimate what is left from the share done and the rate.
    if (percent >= 100) eta = 0;
    else if (percent > 0 && rate > 0) eta = Math.round((bytes * (100 / percent - 1)) / rate);
    else eta = null;
  }
  return {
    bytes,
    percent,
    rate: Math.round(rate),
    eta,
    transferred: m[8] === undefined ? null : Number(m[8]),
    toCheck: endOfFile ? { left: Number(m[9]), total: Number(m[10]) } : null,
  };
}

export interface TransferStats {
  sent: number;
  /** Bytes received over the wire (data, checksums and protocol): what a pull really moved. */
  received: number;
}

/** `--info=flist2` lines: "receiving file list ...", " 1200 files...", "2500 files to consider". */
const FLIST = /^\s*(receiving (incremental )?file list|\d+ files(\.\.\.| to consider))/;

const STATS = /sent ([\d,.]+) bytes\s+received ([\d,.]+) bytes/;

export function parseStatsLine(text: string): TransferStats | null {
  const m = STATS.exec(text);
  if (!m) return null;
  return { sent: Number(m[1]!.replace(/[,.]/g, '')), received: Number(m[2]!.replace(/[,.]/g, '')) };
}

/**
 * Splits rsync's stdout as it arrives into progress updates, the stats line and other text lines
 * (kept for messages). Chunks can end anywhere, even inside a number: the tail waits for its "\r"/"\n".
 */
/**
 * 'total': progress2 lines; 'per-file': GNU --progress lines, added up here; 'per-file-indexed': the
 * same from openrsync, whose to-check counts up.
 */
export type ProgressMode = 'total' | 'per-file' | 'per-file-indexed';

export class ProgressReader {
  private tail = '';
  /** Per-file mode: bytes of the files already ended, and the share of files checked. */
  private doneBytes = 0;
  private checked: { done: number; total: number } | null = null;

  constructor(private readonly mode: ProgressMode = 'total') {}
  stats: TransferStats | null = null;
  last: Progress | null = null;
  readonly lines: string[] = [];
  /**
   * Counts signs of life: bytes moved, a file checked, the file list grew (`--info=flist2` prints
   * "N files..." while the remote walks a big tree). The watchdog resets when it changes.
   */
  activity = 0;

  /** The unterminated tail already reported (rsync ends a progress2 update with no "\r" or "\n"). */
  private reportedTail: string | null = null;

  /** Feeds a chunk; returns the progress updates it completed, in order. */
  push(chunk: string): Progress[] {
    const parts = (this.tail + chunk).split(/[\r\n]/);
    this.tail = parts.pop() ?? '';
    // The update that was the tail last time, now terminated: already reported.
    if (this.reportedTail !== null && parts.length > 0 && parts[0] === this.reportedTail) parts.shift();
    if (parts.length > 0) this.reportedTail = null;
    const out = this.take(parts);
    // rsync writes "\r<update>" and leaves it unterminated until the next one: report the tail now if it
    // is a whole update (a cut-off one does not match: the time field needs its two last digits).
    if (this.tail !== this.reportedTail && parseProgressLine(this.tail)) {
      out.push(...this.take([this.tail]));
      this.reportedTail = this.tail;
    }
    return out;
  }

  /** Flushes the last line (the process ended). */
  end(): Progress[] {
    const rest = this.tail;
    this.tail = '';
    const done = rest === this.reportedTail;
    this.reportedTail = null;
    return rest && !done ? this.take([rest]) : [];
  }

  private take(parts: string[]): Progress[] {
    const out: Progress[] = [];
    for (const part of parts) {
      if (part.trim() === '') continue;
      const line = parseProgressLine(part);
      const p = line && this.mode !== 'total' ? this.addUp(line) : line;
      if (p) {
        const prev = this.last;
        if (!prev || p.bytes !== prev.bytes || p.toCheck?.left !== prev.toCheck?.left) this.activity++;
        out.push(p);
        this.last = p;
        continue;
      }
      if (FLIST.test(part)) {
        this.activity++;
        continue;
      }
      const s = parseStatsLine(part);
      if (s) this.stats = s;
      else if (this.lines.length < 200) this.lines.push(part.trim());
    }
    return out;
  }

  /** One file's line → the transfer so far: bytes of ended files plus this one's. */
  private addUp(line: Progress): Progress {
    const bytes = this.doneBytes + line.bytes;
    const ended = line.toCheck !== null;
    if (ended) {
      this.doneBytes += line.bytes;
      const { left, total } = line.toCheck!;
      const done = this.mode === 'per-file-indexed' ? Math.min(total, left + 1) : total - left;
      this.checked = { done, total };
    }
    const c = this.checked;
    const share = c && c.total > 0 ? (c.done + (ended ? 0 : line.percent / 100)) / c.total : 0;
    const percent = Math.min(100, Math.floor(share * 100));
    return { ...line, bytes, percent, eta: ended && c?.done === c?.total ? 0 : null };
  }
}
