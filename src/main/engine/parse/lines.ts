// Incremental bytes → lines. Chunks arrive with arbitrary boundaries (mid-line, mid-UTF-8 sequence):
// the streaming TextDecoder holds an unfinished character until its last byte arrives, so any chunking
// decodes to the same text. Invalid bytes become U+FFFD instead of throwing: a garbage line is a
// warning for the format parser, never a crash.

import { Buffer } from 'node:buffer';

/**
 * The longest line kept. A longer one (a runaway print, a file that is not text) is counted, not
 * held: its bytes are dropped as they come and the parser skips it with a warning, so what one file
 * costs in memory stays bounded whatever it holds. Real metric lines are under a few kilobytes.
 */
export const MAX_LINE_BYTES = 1 << 20;

/** The warning a parser gives for a line over MAX_LINE_BYTES. */
export function overlongWarning(no: number, length: number, unit: 'bytes' | 'characters'): string {
  return `line ${no} is longer than 1 MiB (${length} ${unit}): skipped`;
}

export interface Line {
  /** 1-based line number (counted in `\n`). */
  no: number;
  text: string;
  /** The line was longer than MAX_LINE_BYTES: its length in characters (`text` is then empty). */
  overlong?: number;
}

/** A copy of a (short) slice: keeps a big decoded chunk from staying alive through a sliced string. */
function detach(s: string): string {
  return s.length === 0 ? '' : Buffer.from(s, 'utf16le').toString('utf16le');
}

/**
 * The unfinished segment of the string splitters below: held as a copy of at most MAX_LINE_BYTES
 * characters; beyond that only counted, and the segment comes out as `overlong` when it ends.
 */
class Segmenter {
  pending = '';
  /** Characters of the unfinished segment beyond the cap (its text is dropped), 0 when within it. */
  dropped = 0;

  /** Segment [start, end) of text, the first one continuing what was pending. */
  emit(text: string, start: number, end: number, first: boolean): { text: string; overlong?: number } {
    const length = end - start + (first ? this.dropped : 0);
    if (first) this.dropped = 0;
    if (length > MAX_LINE_BYTES) return { text: '', overlong: length };
    return { text: text.slice(start, end) };
  }

  /** Keeps text[start..] as the unfinished segment, capped. */
  rest(text: string, start: number): void {
    const length = text.length - start;
    if (this.dropped > 0 || length > MAX_LINE_BYTES) {
      this.dropped += length;
      this.pending = '';
    } else this.pending = start === 0 ? text : detach(text.slice(start));
  }
}

/**
 * Text with its NUL characters removed: text never holds one, and a hole in a file truncated under a
 * writer that kept its offset reads as zeros before the writer's next line.
 */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly seg = new Segmenter();
  private lineNo = 0;

  /**
   * Complete lines in this chunk, trailing `\r`s removed (CRLF and `\r\r\n` both end a line). A line
   * over MAX_LINE_BYTES comes with `overlong` set and no text.
   */
  push(chunk: Uint8Array): Line[] {
    const text = this.seg.pending + withoutNul(this.decoder.decode(chunk, { stream: true }));
    this.seg.pending = '';
    const out: Line[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      let end = nl;
      while (end > start && text.charCodeAt(end - 1) === 13) end--;
      out.push({ no: ++this.lineNo, ...this.seg.emit(text, start, end, start === 0) });
      start = nl + 1;
    }
    this.seg.rest(text, start);
    return out;
  }

  /** The unfinished last line (not yet terminated by `\n`); empty once it is over the cap. */
  partial(): string {
    return this.seg.pending;
  }
}

/**
 * Like LineSplitter, but `\r` also ends a segment: progress bars (tqdm, Keras) redraw themselves with
 * `\r`, and every redraw is a state of its own. Empty segments (the `\r` of CRLF) are dropped. The
 * line number is the `\n`-line the segment sits on, so warnings agree with an editor.
 */
export class SegmentSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly seg = new Segmenter();
  private lineNo = 1;

  /** A segment over MAX_LINE_BYTES comes with `overlong` set and no text. */
  push(chunk: Uint8Array): Line[] {
    const text = this.seg.pending + withoutNul(this.decoder.decode(chunk, { stream: true }));
    this.seg.pending = '';
    const out: Line[] = [];
    let start = 0;
    let nl = text.indexOf('\n');
    let cr = text.indexOf('\r');
    while (nl !== -1 || cr !== -1) {
      const isNl = cr === -1 || (nl !== -1 && nl < cr);
      const i = isNl ? nl : cr;
      const first = start === 0;
      if (i > start || (first && this.seg.dropped > 0))
        out.push({ no: this.lineNo, ...this.seg.emit(text, start, i, first) });
      start = i + 1;
      if (isNl) {
        this.lineNo++;
        nl = text.indexOf('\n', start);
      } else cr = text.indexOf('\r', start);
    }
    this.seg.rest(text, start);
    return out;
  }

  partial(): string {
    return this.seg.pending;
  }
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** ASCII bytes as a string (the caller knows they are ASCII): short strings only. */
export function asciiText(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

/**
 * Bytes → lines without decoding them: JSON lines and CSV read most lines straight from the bytes (see
 * jsonl-fast.ts, csv.ts) and decode only the few that need the general path, so decoding every chunk
 * would be wasted work. A `\n` byte never occurs inside a UTF-8 sequence, so a line's bytes decode to
 * exactly the text LineSplitter gives. No allocation per line: iterate with `next()` and read `buf`,
 * `start`, `end` (trailing `\r`s excluded) and `no`; they are valid until the next call.
 */
export class ByteLineSplitter {
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  /** 1-based line number (counted in `\n`). */
  no = 0;
  /**
   * The current line was longer than MAX_LINE_BYTES: its length in bytes (its bytes were not kept:
   * skip it), else 0.
   */
  overlong = 0;
  /** Bytes of the unfinished line, once it is over the cap (none of them kept). */
  private dropped = 0;
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private pending = new Uint8Array(256);
  private pendingLen = 0;

  private chunkAscii: string | null = null;

  /** Takes the next chunk; its lines (with the unfinished line before it) come from `next()`. */
  feed(chunk: Uint8Array): void {
    this.chunk = chunk;
    this.chunkAscii = null;
    this.pos = 0;
  }

  /**
   * Bytes of the current line that the caller knows are ASCII (a number too long for the fast
   * conversion) as a string. The chunk is converted once, when first needed, with Node's ASCII
   * conversion (a tenth of the cost of UTF-8 decoding, one character per byte), and sliced.
   */
  ascii(start: number, end: number): string {
    if (this.buf !== this.chunk) return asciiText(this.buf, start, end);
    if (this.chunkAscii === null) {
      const c = this.chunk;
      this.chunkAscii = Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('ascii');
    }
    return this.chunkAscii.slice(start, end);
  }

  next(): boolean {
    // The caller is done with the previous line: a buffer grown for a long one goes back.
    if (this.pendingLen === 0 && this.pending.length > 64 * 1024) this.pending = new Uint8Array(256);
    const chunk = this.chunk;
    // NUL bytes before a line are no part of it: a file truncated under a writer that kept its offset
    // has a hole (read as zeros) before the writer's next line, which would otherwise be lost with it.
    if (this.pendingLen === 0 && this.dropped === 0)
      while (this.pos < chunk.length && chunk[this.pos] === 0) this.pos++;
    const nl = chunk.indexOf(10, this.pos);
    if (nl === -1) {
      this.keep(chunk.subarray(this.pos));
      this.pos = chunk.length;
      return false;
    }
    let dropped = 0;
    if (this.pendingLen > 0 || this.dropped > 0) {
      this.keep(chunk.subarray(this.pos, nl));
      this.buf = this.pending;
      this.start = 0;
      this.end = this.pendingLen;
      this.pendingLen = 0;
      dropped = this.dropped;
      this.dropped = 0;
    } else {
      this.buf = chunk;
      this.start = this.pos;
      this.end = nl;
    }
    this.pos = nl + 1;
    const length = this.end - this.start + dropped;
    this.overlong = length > MAX_LINE_BYTES ? length : 0;
    while (this.end > this.start && this.buf[this.end - 1] === 13) this.end--;
    // TextDecoder drops a byte-order mark at the start of the file: so does this.
    if (++this.no === 1 && this.end - this.start >= 3) {
      const b = this.buf;
      const s = this.start;
      if (b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) this.start += 3;
    }
    return true;
  }

  /** The current line as text (invalid UTF-8 → U+FFFD, as LineSplitter). */
  text(): string {
    return utf8.decode(this.buf.subarray(this.start, this.end));
  }

  private keep(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.dropped > 0 || this.pendingLen + bytes.length > MAX_LINE_BYTES) {
      // Over the cap: from now on this line is only counted.
      this.dropped += this.pendingLen + bytes.length;
      this.pendingLen = 0;
      if (this.pending.length > 64 * 1024) this.pending = new Uint8Array(256);
      return;
    }
    const need = this.pendingLen + bytes.length;
    if (need > this.pending.length) {
      const next = new Uint8Array(Math.max(need, this.pending.length * 2));
      next.set(this.pending.subarray(0, this.pendingLen));
      this.pending = next;
    }
    this.pending.set(bytes, this.pendingLen);
    this.pendingLen = need;
  }
}
