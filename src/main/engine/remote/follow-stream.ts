// Reads the follower's stream (follower-script.ts) chunk by chunk as it arrives. Strict once started:
// every byte after the start mark belongs to a frame whose header says its length, so nothing a file
// holds can read as a frame; anything off the format ends the stream (the engine restarts the
// follower and reads over SFTP meanwhile). Before the start mark, text is noise (a login message).

export type FollowEvent =
  /** `pipe`: where vitals requests are written (null: the follower takes none). */
  | { kind: 'start'; mode: 'inotify' | 'poll'; pipe: string | null }
  | { kind: 'inode'; id: number; inode: number; from: number; mtimeSec: number }
  /** mtimeSec null: the file's mtime is the one last said. */
  | { kind: 'data'; id: number; offset: number; bytes: Buffer; mtimeSec: number | null }
  | { kind: 'restart'; id: number; size: number; mtimeSec: number; cause: 'truncated' | 'rewritten' }
  | { kind: 'changed'; id: number; size: number; mtimeSec: number }
  | { kind: 'touched'; id: number; size: number; mtimeSec: number }
  /** Bytes on disk of a sparse file; null: not (or no longer) sparse. */
  | { kind: 'sparse'; id: number; allocated: number | null }
  | { kind: 'missing'; id: number }
  | { kind: 'not-regular'; id: number; type: string }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'fatal'; message: string }
  /** What pid file `id` says now (as a probe's P record). */
  | { kind: 'pid'; id: number; answer: PidProbe }
  /** Whether pattern `id` is running now (null: the follower cannot look). */
  | { kind: 'pattern'; id: number; found: boolean | null }
  /** The answer to vitals request `seq`, in the vitals script's own format (vitals-parse.ts). */
  | { kind: 'vitals'; seq: number; bytes: Buffer }
  | { kind: 'heartbeat' };

import { type PidProbe, readPidAnswer } from './probe';

/** How many files, pid files and patterns the follower was given: the ids of each are below it. */
export interface FollowCounts {
  files: number;
  pidFiles?: number;
  patterns?: number;
}

/** A header line is short; a longer run without a newline is not one. */
const MAX_HEADER = 160;
/** The follower sends at most 256 KiB per frame; an error message at most 2,000 bytes. */
const MAX_PAYLOAD = 1 << 20;
const NUM = '(\\d{1,19})';
const HEADERS: [RegExp, (m: RegExpExecArray) => FollowEvent | number][] = [
  [new RegExp(`^i ${NUM} ${NUM} ${NUM} (-?\\d{1,19})$`), (m) => inode(m)],
  [new RegExp(`^d ${NUM} ${NUM} ${NUM}( -?\\d{1,19})?$`), (m) => Number(m[3])],
  [new RegExp(`^a ${NUM} ${NUM}( [+-]\\d{1,19})?$`), (m) => Number(m[2])],
  [new RegExp(`^t ${NUM} ${NUM} (-?\\d{1,19}) ([TW])$`), (m) => restart(m)],
  [new RegExp(`^c ${NUM} ${NUM} (-?\\d{1,19})$`), (m) => changed(m, 'changed')],
  [new RegExp(`^s ${NUM} ${NUM} (-?\\d{1,19})$`), (m) => changed(m, 'touched')],
  [
    new RegExp(`^z ${NUM} (-1|\\d{1,19})$`),
    (m) => ({ kind: 'sparse', id: Number(m[1]), allocated: m[2] === '-1' ? null : Number(m[2]) }),
  ],
  [new RegExp(`^m ${NUM}$`), (m) => ({ kind: 'missing', id: Number(m[1]) })],
  [new RegExp(`^n ${NUM} ([pdscbo])$`), (m) => ({ kind: 'not-regular', id: Number(m[1]), type: m[2]! })],
  [new RegExp(`^e ${NUM} ${NUM}$`), (m) => Number(m[2])],
  [new RegExp(`^x ${NUM}$`), (m) => Number(m[1])],
  [new RegExp(`^p ${NUM} (\\d{1,3})$`), (m) => Number(m[2])],
  [
    new RegExp(`^q ${NUM} ([012])$`),
    (m) => ({ kind: 'pattern', id: Number(m[1]), found: m[2] === '2' ? null : m[2] === '0' }),
  ],
  [new RegExp(`^v ${NUM} ${NUM}$`), (m) => Number(m[2])],
  [/^h$/, () => ({ kind: 'heartbeat' })],
];

function inode(m: RegExpExecArray): FollowEvent {
  return { kind: 'inode', id: Number(m[1]), inode: Number(m[2]), from: Number(m[3]), mtimeSec: Number(m[4]) };
}

function restart(m: RegExpExecArray): FollowEvent {
  const cause = m[4] === 'T' ? 'truncated' : 'rewritten';
  return { kind: 'restart', id: Number(m[1]), size: Number(m[2]), mtimeSec: Number(m[3]), cause };
}

function changed(m: RegExpExecArray, kind: 'changed' | 'touched'): FollowEvent {
  return { kind, id: Number(m[1]), size: Number(m[2]), mtimeSec: Number(m[3]) };
}

export class FollowStreamReader {
  private held: Buffer = Buffer.alloc(0);
  private started = false;
  /** Why the stream can no longer be read (then push() returns nothing more). */
  error: string | null = null;
  /** Text seen before the start mark (a login message, or why the follower did not start). */
  readonly noise: string[] = [];

  private readonly counts: Required<FollowCounts>;
  /** Per file, where its next `a` frame's bytes start (null: not known, so none may come). */
  private readonly next: (number | null)[];
  /** Per file, the mtime an `a` frame's change is counted from (set by the last `d`/`a` that said one). */
  private readonly mtime: (number | null)[];

  constructor(
    private readonly nonce: string,
    counts: FollowCounts,
  ) {
    this.counts = { pidFiles: 0, patterns: 0, ...counts };
    this.next = new Array<number | null>(counts.files).fill(null);
    this.mtime = new Array<number | null>(counts.files).fill(null);
  }

  /** The events in `chunk` (with what was held from earlier chunks), in order. */
  push(chunk: Buffer): FollowEvent[] {
    if (this.error !== null) return [];
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const events: FollowEvent[] = [];
    if (!this.started && !this.findStart(events)) return events;
    let pos = 0;
    const buf = this.held;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) {
        if (buf.length - pos > MAX_HEADER) return this.fail(events, `a header runs past ${MAX_HEADER} bytes`);
        break;
      }
      if (nl - pos > MAX_HEADER) return this.fail(events, `a header runs past ${MAX_HEADER} bytes`);
      const line = buf.toString('latin1', pos, nl);
      const parsed = this.header(line);
      if (typeof parsed === 'string') return this.fail(events, parsed);
      if (typeof parsed !== 'number') {
        this.track(parsed);
        events.push(parsed);
        pos = nl + 1;
        continue;
      }
      if (parsed > MAX_PAYLOAD) return this.fail(events, `a frame says it holds ${parsed} bytes`);
      if (nl + 1 + parsed > buf.length) break; // the payload is still on its way
      const payload = Buffer.from(buf.subarray(nl + 1, nl + 1 + parsed));
      const event = this.payloadEvent(line, payload);
      if (typeof event === 'string') return this.fail(events, event);
      if (event === null)
        return this.fail(
          events,
          `a pid file's answer is garbled: ${JSON.stringify(payload.toString('latin1').slice(0, 40))}`,
        );
      if (event.kind === 'fatal') {
        events.push(event);
        return this.fail(events, `the follower stopped: ${event.message}`);
      }
      events.push(event);
      pos = nl + 1 + parsed;
    }
    this.held = pos === 0 ? buf : Buffer.from(buf.subarray(pos));
    return events;
  }

  private findStart(events: FollowEvent[]): boolean {
    const mark = Buffer.from(`\n@VF ${this.nonce} `, 'latin1');
    const at = this.held.indexOf(mark);
    const end = at < 0 ? -1 : this.held.indexOf(0x0a, at + mark.length);
    if (end < 0) {
      // Keep only what may still hold the start of the mark; note the rest as noise.
      const keep = Math.min(this.held.length, mark.length + 16);
      this.addNoise(this.held.subarray(0, this.held.length - keep));
      this.held = Buffer.from(this.held.subarray(this.held.length - keep));
      return false;
    }
    this.addNoise(this.held.subarray(0, at));
    const [mode, pipe, ...more] = this.held.toString('latin1', at + mark.length, end).split(' ');
    if ((mode !== 'inotify' && mode !== 'poll') || more.length > 0) {
      this.fail(events, `unknown follower mode "${(mode ?? '').slice(0, 20)}"`);
      return false;
    }
    if (pipe !== undefined && pipe !== '-' && !/^(?:[0-9a-f]{2}){1,2048}$/.test(pipe)) {
      this.fail(events, 'the follower named its request pipe in a garbled way');
      return false;
    }
    const path = pipe === undefined || pipe === '-' ? null : Buffer.from(pipe, 'hex').toString('utf8');
    events.push({ kind: 'start', mode, pipe: path });
    this.started = true;
    this.held = Buffer.from(this.held.subarray(end + 1));
    return true;
  }

  /** The event a header line says, the payload length it announces, or why it is not a header. */
  private header(line: string): FollowEvent | number | string {
    for (const [re, make] of HEADERS) {
      const m = re.exec(line);
      if (!m) continue;
      const of =
        line[0] === 'p' ? this.counts.pidFiles : line[0] === 'q' ? this.counts.patterns : this.counts.files;
      const what = line[0] === 'p' ? 'pid file' : line[0] === 'q' ? 'pattern' : 'file';
      if (line[0] !== 'x' && line[0] !== 'h' && line[0] !== 'v' && Number(m[1]) >= of)
        return `a frame names ${what} ${m[1]}, of ${of}`;
      return make(m);
    }
    return `the stream is garbled: ${JSON.stringify(line.slice(0, 40))}`;
  }

  /** Keeps where each file stands, as the follower counts it for its `a` frames. */
  private track(e: FollowEvent): void {
    if (e.kind === 'inode') {
      this.next[e.id] = e.from;
      this.mtime[e.id] = null;
    } else if (e.kind === 'restart') this.next[e.id] = 0;
    else if (e.kind === 'missing' || e.kind === 'not-regular' || e.kind === 'error') this.next[e.id] = null;
    else if (e.kind === 'data') {
      this.next[e.id] = e.offset + e.bytes.length;
      if (e.mtimeSec !== null) this.mtime[e.id] = e.mtimeSec;
    }
  }

  /** The event a frame with a payload says, null for a garbled pid answer, or why it cannot be read. */
  private payloadEvent(line: string, payload: Buffer): FollowEvent | null | string {
    const f = line.split(' ');
    if (f[0] !== 'a') {
      const e = withPayload(line, payload);
      if (e) this.track(e);
      return e;
    }
    const id = Number(f[1]);
    const offset = this.next[id];
    if (offset === null || offset === undefined)
      return `a frame continues file ${id}, whose offset is not known`;
    let mtimeSec: number | null = null;
    if (f[3] !== undefined) {
      const base = this.mtime[id];
      if (base === null || base === undefined)
        return `a frame moves the mtime of file ${id}, which is not known`;
      mtimeSec = base + Number(f[3]);
    }
    const event: FollowEvent = { kind: 'data', id, offset, bytes: payload, mtimeSec };
    this.track(event);
    return event;
  }

  private fail(events: FollowEvent[], why: string): FollowEvent[] {
    this.error = why;
    this.held = Buffer.alloc(0);
    return events;
  }

  private addNoise(bytes: Buffer): void {
    for (const line of bytes.toString('utf8').split('\n')) {
      const t = line.trim();
      if (t && this.noise.length < 10) this.noise.push(t.slice(0, 300));
    }
  }
}

function withPayload(line: string, payload: Buffer): FollowEvent | null {
  const f = line.split(' ');
  if (f[0] === 'p') {
    const answer = readPidAnswer(payload);
    return answer && { kind: 'pid', id: Number(f[1]), answer };
  }
  if (f[0] === 'd')
    return {
      kind: 'data',
      id: Number(f[1]),
      offset: Number(f[2]),
      bytes: payload,
      mtimeSec: f[4] === undefined ? null : Number(f[4]),
    };
  if (f[0] === 'e') return { kind: 'error', id: Number(f[1]), message: payload.toString('utf8') };
  if (f[0] === 'v') return { kind: 'vitals', seq: Number(f[1]), bytes: payload };
  return { kind: 'fatal', message: payload.toString('utf8') };
}
