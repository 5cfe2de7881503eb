// Incremental bytes → lines. Chunks arrive with arbitrary boundaries (mid-line, mid-UTF-8 sequence):
// the streaming TextDecoder holds an unfinished character until its last byte arrives, so any chunking
// decodes to the same text. Invalid bytes become U+FFFD instead of throwing: a garbage line is a
// warning for the format parser, never a crash.

import { Buffer } from 'node:buffer';

export interface Line {
  /** 1-based line number (counted in `\n`). */
  no: number;
  text: string;
}

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private lineNo = 0;

  /** Complete lines in this chunk, trailing `\r`s removed (CRLF and `\r\r\n` both end a line). */
  push(chunk: Uint8Array): Line[] {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    const out: Line[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      let end = nl;
      while (end > start && text.charCodeAt(end - 1) === 13) end--;
      out.push({ no: ++this.lineNo, text: text.slice(start, end) });
      start = nl + 1;
    }
    this.pending = start === 0 ? text : text.slice(start);
    return out;
  }

  /** The unfinished last line (not yet terminated by `\n`). */
  partial(): string {
    return this.pending;
  }
}

/**
 * Like LineSplitter, but `\r` also ends a segment: progress bars (tqdm, Keras) redraw themselves with
 * `\r`, and every redraw is a state of its own. Empty segments (the `\r` of CRLF) are dropped. The
 * line number is the `\n`-line the segment sits on, so warnings agree with an editor.
 */
export class SegmentSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';
  private lineNo = 1;

  push(chunk: Uint8Array): Line[] {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    const out: Line[] = [];
    let start = 0;
    let nl = text.indexOf('\n');
    let cr = text.indexOf('\r');
    while (nl !== -1 || cr !== -1) {
      const isNl = cr === -1 || (nl !== -1 && nl < cr);
      const i = isNl ? nl : cr;
      if (i > start) out.push({ no: this.lineNo, text: text.slice(start, i) });
      start = i + 1;
      if (isNl) {
        this.lineNo++;
        nl = text.indexOf('\n', start);
      } else cr = text.indexOf('\r', start);
    }
    this.pending = start === 0 ? text : text.slice(start);
    return out;
  }

  partial(): string {
    return this.pending;
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
    const chunk = this.chunk;
    const nl = chunk.indexOf(10, this.pos);
    if (nl === -1) {
      this.keep(chunk.subarray(this.pos));
      this.pos = chunk.length;
      return false;
    }
    if (this.pendingLen > 0) {
      this.keep(chunk.subarray(this.pos, nl));
      this.buf = this.pending;
      this.start = 0;
      this.end = this.pendingLen;
      this.pendingLen = 0;
    } else {
      this.buf = chunk;
      this.start = this.pos;
      this.end = nl;
    }
    this.pos = nl + 1;
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
