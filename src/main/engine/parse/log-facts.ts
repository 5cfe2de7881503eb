// The log scanner: keeps the tail of a training log and judges whether it shows a fatal end. Separate
// from metrics: a log may carry no metrics at all and still say the run died.

import { Buffer } from 'node:buffer';
import { withoutNul } from './lines';
import { isProgress, scanTextLine } from './text-line';

export type FatalKind = 'traceback' | 'oom' | 'killed' | 'nan';

export interface Fatal {
  line: string;
  kind: FatalKind;
}

export interface LogScanner {
  push(chunk: Uint8Array): void;
  /** The last complete lines plus the pending partial line, `\r`-redraws collapsed to their latest state. */
  tail(): string[];
  fatal(): Fatal | null;
  /** Forgets everything: the log was truncated or replaced and will be read again from the start. */
  reset(): void;
}

const TRACEBACK = 'Traceback (most recent call last):';
const OOM = /CUDA out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED/;
// The shell's report of a SIGKILL (the OOM killer): `Killed`, or `./run.sh: line 3: 4242 Killed  python …`.
const KILLED = /^\s*Killed\s*$|^.*:\s*\d+\s+Killed\b/;
const NAN_LOSS_TEXT = /\bloss is nan\b|\bnan loss\b|non-finite loss/i;
const LOSSY = /loss/i;

/** A `\r`-redrawn line shows its latest state. */
function collapse(line: string): string {
  if (!line.includes('\r')) return line;
  const parts = line.split('\r').filter((p) => p !== '');
  return parts.at(-1) ?? '';
}

/** What one line says, worked out once: the tail is judged again at every evaluation, its lines not. */
interface Verdict {
  /** The line without trailing white space (what a fatal shows). */
  line: string;
  header: boolean;
  /** Blank or indented: part of a traceback while in one. */
  frame: boolean;
  oom: boolean;
  killed: boolean;
  nanText: boolean;
  /** A progress record: 'nan' when its training loss is NaN, 'ok' otherwise; null when not progress. */
  progress: 'ok' | 'nan' | null;
}

function verdictOf(raw: string): Verdict {
  const line = raw.trimEnd();
  const v: Verdict = {
    line,
    header: line.includes(TRACEBACK),
    frame: line === '' || /^\s/.test(line),
    oom: OOM.test(line),
    killed: false,
    nanText: false,
    progress: null,
  };
  if (v.header || v.oom) return v;
  v.killed = KILLED.test(line);
  v.nanText = !v.killed && NAN_LOSS_TEXT.test(line);
  if (v.killed || v.nanText) return v;
  const scanned = scanTextLine(line);
  if (scanned && isProgress(scanned)) {
    const losses = scanned.metrics.filter(([n]) => LOSSY.test(n) && !/^(val|eval|test)/i.test(n));
    v.progress = losses.some(([, x]) => Number.isNaN(x)) ? 'nan' : 'ok';
  }
  return v;
}

/**
 * The rule: scan the tail in order; a traceback's exception line, an OOM message, `Killed` or a NaN
 * loss becomes the current fatal; a later progress line (a record with a finite loss, or any counted
 * progress after a traceback) clears it. So a DataLoader warning traceback followed by more training
 * is not fatal, and a NaN loss that recovers is not either.
 */
export function judgeTail(lines: readonly string[]): Fatal | null {
  return judgeVerdicts(lines.map(verdictOf));
}

function judgeVerdicts(verdicts: readonly Verdict[]): Fatal | null {
  let current: Fatal | null = null;
  // A long traceback may have its header cut off by the tail: starting on a frame means we are in one.
  let inTraceback = /^\s+File "/.test(verdicts[0]?.line ?? '');
  for (const v of verdicts) {
    const line = v.line;
    if (v.header) {
      inTraceback = true;
      continue;
    }
    if (inTraceback) {
      // Frames are indented; the first unindented non-empty line is the exception.
      if (v.frame) continue;
      inTraceback = false;
      current = { line, kind: v.oom ? 'oom' : 'traceback' };
      continue;
    }
    if (v.oom) current = { line, kind: 'oom' };
    else if (v.killed) current = { line, kind: 'killed' };
    else if (v.nanText) current = { line, kind: 'nan' };
    else if (v.progress === 'nan') current = { line, kind: 'nan' };
    else if (v.progress === 'ok') current = null;
  }
  return current;
}

/** Characters of one log line kept for the tail (what the UI shows, what the fatal check reads). */
const TAIL_LINE_CHARS = 4096;

/** A copy of a short slice, so the big decoded chunk it came from is not kept alive through it. */
function detach(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

function cut(line: string, length: number): string {
  return `${detach(line.slice(0, TAIL_LINE_CHARS))}… (${length} characters)`;
}

export function createLogScanner({ tailLines = 200 }: { tailLines?: number } = {}): LogScanner {
  const partialLine = () =>
    overlong > 0 ? `${pending.slice(0, -1)}… (${overlong}+ characters)` : collapse(pending);
  let decoder = new TextDecoder('utf-8');
  let lines: string[] = [];
  /** verdicts[i] is lines[i]'s, once fatal() has needed it: each line is read once. */
  let verdicts: (Verdict | undefined)[] = [];
  let last: { text: string; verdict: Verdict } | null = null;
  let pending = '';
  /** The unfinished line went over TAIL_LINE_CHARS: its length so far (`pending` holds its start). */
  let overlong = 0;
  return {
    push(chunk) {
      const decoded = withoutNul(decoder.decode(chunk, { stream: true }));
      const firstNl = decoded.indexOf('\n');
      let text: string;
      if (overlong > 0) {
        // Still inside a cut line: count up to its end, keep nothing more of it.
        if (firstNl === -1) {
          overlong += decoded.length;
          return;
        }
        lines.push(`${pending.slice(0, -1)}… (${overlong + firstNl} characters)`);
        pending = '';
        overlong = 0;
        text = decoded.slice(firstNl + 1);
      } else text = pending + decoded;
      const parts = text.split('\n');
      pending = parts.pop()!;
      for (const p of parts) {
        const line = collapse(p);
        lines.push(line.length > TAIL_LINE_CHARS ? cut(line, line.length) : line);
      }
      // Trim in batches so a long catch-up does not shift the array per line.
      if (lines.length > tailLines * 2) {
        verdicts = verdicts.slice(lines.length - tailLines);
        lines = lines.slice(-tailLines);
      }
      // The lines of this chunk that may stay in the tail, copied out of the (possibly huge) text.
      for (let i = Math.max(0, lines.length - Math.min(parts.length, tailLines)); i < lines.length; i++)
        lines[i] = detach(lines[i]!);
      if (pending.length > TAIL_LINE_CHARS) {
        // A progress bar redrawn with \r keeps only its newest state (what collapse() would show).
        const body = pending.replace(/\r+$/, '');
        const from = body.lastIndexOf('\r');
        if (from > 0) pending = pending.slice(from);
      }
      if (pending.length > TAIL_LINE_CHARS) {
        overlong = pending.length;
        pending = `${detach(pending.slice(0, TAIL_LINE_CHARS))}…`;
      } else if (pending.length > 0 && pending.length < text.length) pending = detach(pending);
    },
    tail() {
      const out = lines.slice(-tailLines);
      const partial = partialLine();
      if (partial !== '') out.push(partial);
      return out;
    },
    fatal() {
      const from = Math.max(0, lines.length - tailLines);
      const tail: Verdict[] = [];
      for (let i = from; i < lines.length; i++) {
        verdicts[i] ??= verdictOf(lines[i]!);
        tail.push(verdicts[i]!);
      }
      const partial = partialLine();
      if (partial !== '') {
        if (last?.text !== partial) last = { text: partial, verdict: verdictOf(partial) };
        tail.push(last.verdict);
      }
      return judgeVerdicts(tail);
    },
    reset() {
      decoder = new TextDecoder('utf-8');
      lines = [];
      verdicts = [];
      last = null;
      pending = '';
      overlong = 0;
    },
  };
}
