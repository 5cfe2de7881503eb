// One follower's stream, as the host sees it: what each followed file is now (a probe's answer for it),
// and the bytes streamed but not yet taken, served to the tracked files as if read over SFTP. The
// stream is a cache and a trigger, never a judge: the tracked files still decide (overlap, truncation,
// replacement), and anything the cache does not hold is read over SFTP.

import type {
  FileProbe,
  FollowEvent,
  FollowFileSpec,
  FollowLivenessSpec,
  PidProbe,
  VitalsCourier,
} from '../remote';
import { FILE_TYPES, FollowStreamReader } from '../remote';
import type { SideStream } from '../ssh';

interface Followed {
  spec: FollowFileSpec;
  /** What the follower last said of the file; null before it said anything. */
  view: FileProbe | null;
  inode: number | null;
  /** Bytes on disk when the file is sparse (else null: the probe's rule, sparseNote, then says nothing). */
  allocated: number | null;
  /** Bytes of `inode` from cacheStart on, as the follower read them, not yet taken (plus an overlap). */
  cacheStart: number;
  cache: Buffer;
}

/** The key a pattern's changes are told under (with the paths of files and pid files). */
export const patternKey = (pattern: string) => `\0pattern ${pattern}`;

/** A cache beyond this is dropped (its bytes are read over SFTP): a reader far behind holds no more. */
const MAX_CACHE = 16 << 20;

export class FollowLink {
  /** 'starting' until the start mark; 'ended' (with `endReason`) for good. */
  state: 'starting' | 'on' | 'ended' = 'starting';
  mode: 'inotify' | 'poll' | null = null;
  endReason: string | null = null;
  /** Local time of the last bytes heard from the follower. */
  lastHeardAt: number;
  /** Bytes received from the follower, and frames, for tests and benches. */
  bytesIn = 0;
  private readonly reader: FollowStreamReader;
  private readonly files: Followed[];
  private readonly byPath = new Map<string, Followed>();
  private stream: SideStream | null = null;
  /** How the follower takes vitals requests (null: it takes none, or said nothing yet). */
  private vitals: VitalsCourier | null = null;
  /** Set when its vitals answer could not be read: the vitals script is used instead. */
  vitalsRefused = false;
  private vitalsSeq = 0;
  private readonly vitalsWaiting = new Map<
    number,
    { resolve: (b: Buffer) => void; reject: (e: Error) => void }
  >();
  /** What each pid file and pattern last showed, as the follower said (undefined: nothing said yet). */
  private readonly pids: (PidProbe | undefined)[];
  private readonly patterns: (boolean | null | undefined)[];

  constructor(
    specs: FollowFileSpec[],
    readonly liveness: FollowLivenessSpec,
    private readonly nonce: string,
    /** Identifies the file set, so the host knows when to start anew. */
    readonly key: string,
    private readonly now: () => number,
    private readonly hooks: {
      /** Files changed (their paths); called after a chunk's events are all applied. */
      onChanged: (paths: Set<string>) => void;
      /** The stream ended for good (the follower stopped, its shell ended, it broke the format). */
      onEnded: (why: string) => void;
    },
  ) {
    this.reader = new FollowStreamReader(nonce, {
      files: specs.length,
      pidFiles: liveness.pidFiles.length,
      patterns: liveness.patterns.length,
    });
    this.pids = liveness.pidFiles.map(() => undefined);
    this.patterns = liveness.patterns.map(() => undefined);
    this.files = specs.map((spec) => ({
      spec,
      view: null,
      inode: null,
      allocated: null,
      cacheStart: 0,
      cache: EMPTY,
    }));
    for (const f of this.files) this.byPath.set(f.spec.path, f);
    this.lastHeardAt = now();
  }

  attach(stream: SideStream): void {
    this.stream = stream;
    stream.onData((chunk) => this.take(chunk));
    stream.onEnd((why) => this.end(`the follower's shell ended (${why})`));
  }

  follows(path: string): boolean {
    return this.byPath.has(path);
  }

  /** What the follower last said of `path`, or null (not followed, or nothing said yet). */
  viewOf(path: string): FileProbe | null {
    return this.state === 'on' ? (this.byPath.get(path)?.view ?? null) : null;
  }

  /** The paths it follows. */
  get paths(): string[] {
    return this.files.map((f) => f.spec.path);
  }

  /** True when every file has been reported at least once. */
  get settled(): boolean {
    return this.state === 'on' && this.files.every((f) => f.view !== null);
  }

  /** True when every pid file and pattern has been reported at least once. */
  get livenessSettled(): boolean {
    return (
      this.state === 'on' &&
      this.pids.every((p) => p !== undefined) &&
      this.patterns.every((p) => p !== undefined)
    );
  }

  /** What pid file `path` last showed, or undefined (not checked here, or not said yet). */
  pidOf(path: string): PidProbe | undefined {
    const i = this.liveness.pidFiles.indexOf(path);
    return this.state === 'on' && i >= 0 ? this.pids[i] : undefined;
  }

  /** Whether `pattern` was last seen running (null: cannot tell), or undefined (not said). */
  patternOf(pattern: string): boolean | null | undefined {
    const i = this.liveness.patterns.indexOf(pattern);
    return this.state === 'on' && i >= 0 ? this.patterns[i] : undefined;
  }

  /** The follower as a taker of vitals requests, or null when it takes none. */
  courier(): VitalsCourier | null {
    return this.state === 'on' && !this.vitalsRefused ? this.vitals : null;
  }

  /** Waits for the answer to a vitals request (see VitalsCourier.expect). */
  private expectVitals(): { seq: number; answer: Promise<Buffer>; cancel: () => void } {
    const seq = ++this.vitalsSeq;
    const answer = new Promise<Buffer>((resolve, reject) => this.vitalsWaiting.set(seq, { resolve, reject }));
    answer.catch(() => {}); // a caller that stopped waiting leaves no unhandled rejection
    return { seq, answer, cancel: () => this.vitalsWaiting.delete(seq) };
  }

  /**
   * Bytes of `path` (the given inode) from `offset`, at most `maxBytes`, when the stream holds them; null
   * otherwise. What is before `offset` is dropped: a tracked file reads forward only.
   */
  read(path: string, offset: number, maxBytes: number, inode?: number): Uint8Array | null {
    const f = this.byPath.get(path);
    if (!f || f.inode === null || (inode !== undefined && inode !== f.inode)) return null;
    const end = f.cacheStart + f.cache.length;
    if (offset < f.cacheStart || offset >= end || maxBytes === 0) return null;
    const from = offset - f.cacheStart;
    const got = f.cache.subarray(from, from + maxBytes);
    f.cache = f.cache.subarray(from);
    f.cacheStart = offset;
    return got;
  }

  private take(chunk: Buffer): void {
    if (this.state === 'ended') return;
    this.lastHeardAt = this.now();
    this.bytesIn += chunk.length;
    const changed = new Set<string>();
    for (const e of this.reader.push(chunk)) this.apply(e, changed);
    if (this.reader.error !== null) {
      const noise = this.reader.noise.length > 0 ? ` (it said: ${this.reader.noise.join(' / ')})` : '';
      this.end(`${this.reader.error}${noise}`);
      return;
    }
    if (changed.size > 0 && this.state === 'on') this.hooks.onChanged(changed);
  }

  private apply(e: FollowEvent, changed: Set<string>): void {
    if (e.kind === 'start') {
      this.state = 'on';
      this.mode = e.mode;
      this.vitals =
        e.pipe === null
          ? null
          : { nonce: this.nonce, pipe: e.pipe, shape: null, expect: () => this.expectVitals() };
      return;
    }
    if (e.kind === 'vitals') {
      const waiting = this.vitalsWaiting.get(e.seq);
      this.vitalsWaiting.delete(e.seq);
      waiting?.resolve(e.bytes);
      return;
    }
    if (e.kind === 'heartbeat' || e.kind === 'fatal') return;
    if (e.kind === 'pid') {
      this.pids[e.id] = e.answer;
      changed.add(this.liveness.pidFiles[e.id]!);
      return;
    }
    if (e.kind === 'pattern') {
      this.patterns[e.id] = e.found;
      changed.add(patternKey(this.liveness.patterns[e.id]!));
      return;
    }
    const f = this.files[e.id]!;
    changed.add(f.spec.path);
    switch (e.kind) {
      case 'inode': {
        const resumes = e.inode === f.spec.inode && e.from === f.spec.offset;
        const continues = e.inode === f.inode && e.from === f.cacheStart + f.cache.length;
        if (resumes && !continues) {
          f.cacheStart = e.from - f.spec.tail.length;
          f.cache = Buffer.from(f.spec.tail);
        } else if (!continues) {
          f.cacheStart = e.from;
          f.cache = EMPTY;
        }
        f.inode = e.inode;
        f.allocated = null;
        f.view = ok(e.inode, e.from, e.mtimeSec);
        return;
      }
      case 'data': {
        if (f.inode === null) return;
        const end = f.cacheStart + f.cache.length;
        if (e.offset === end && f.cache.length + e.bytes.length <= MAX_CACHE) {
          f.cache = f.cache.length === 0 ? e.bytes : Buffer.concat([f.cache, e.bytes]);
        } else {
          f.cacheStart = e.offset;
          f.cache = e.bytes.length <= MAX_CACHE ? e.bytes : EMPTY;
        }
        const mtimeSec = e.mtimeSec ?? (f.view?.kind === 'ok' ? f.view.stat.mtimeSec : 0);
        f.view = ok(f.inode, e.offset + e.bytes.length, mtimeSec, f.allocated);
        return;
      }
      case 'restart':
        if (f.inode === null) return;
        f.cacheStart = 0;
        f.cache = EMPTY;
        f.allocated = null;
        // A truncation says how long the file is now; a rewrite is found by the tracked file's own overlap
        // check (read over SFTP), so its size is the one the follower saw.
        f.view = ok(f.inode, e.size, e.mtimeSec);
        return;
      case 'touched':
      case 'changed':
        if (f.inode !== null) f.view = ok(f.inode, e.size, e.mtimeSec, f.allocated);
        return;
      case 'sparse':
        f.allocated = e.allocated;
        if (f.view?.kind === 'ok') f.view = ok(f.inode!, f.view.stat.size, f.view.stat.mtimeSec, e.allocated);
        return;
      case 'missing':
        forget(f);
        f.view = { kind: 'missing' };
        return;
      case 'not-regular':
        forget(f);
        f.view = { kind: 'not-regular', what: FILE_TYPES[e.type] ?? FILE_TYPES.o! };
        return;
      case 'error':
        forget(f);
        f.view = /permission denied/i.test(e.message)
          ? { kind: 'unreadable' }
          : { kind: 'error', message: e.message };
        return;
    }
  }

  private end(why: string): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReason = why;
    this.stream?.close();
    for (const f of this.files) forget(f);
    for (const w of this.vitalsWaiting.values()) w.reject(new Error(`the follower ended: ${why}`));
    this.vitalsWaiting.clear();
    this.hooks.onEnded(why);
  }

  /** Stops listening (the host kills the process). */
  close(why = 'stopped'): void {
    this.end(why);
  }
}

const EMPTY = Buffer.alloc(0);

function ok(inode: number, size: number, mtimeSec: number, allocated: number | null = null): FileProbe {
  return {
    kind: 'ok',
    stat: allocated === null ? { inode, size, mtimeSec } : { inode, size, mtimeSec, allocated },
  };
}

function forget(f: Followed): void {
  f.inode = null;
  f.allocated = null;
  f.cacheStart = 0;
  f.cache = EMPTY;
}
