// Incremental bytes → lines. Chunks arrive with arbitrary boundaries (mid-line, mid-UTF-8 sequence):
// the streaming TextDecoder holds an unfinished character until its last byte arrives, so any chunking
// decodes to the same text. Invalid bytes become U+FFFD instead of throwing: a garbage line is a
// warning for the format parser, never a crash.

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
