// How a connection's SFTP reads are placed so that a read that hangs costs only its own path.
//
// A host's workers read at once over one shared SFTP channel, and OpenSSH's sftp-server answers a
// channel's requests one after another: a read that never returns (a named pipe opened for reading, a
// file on a stuck mount) holds up every request queued behind it. So when a read on the shared channel
// gets no answer in time, the oldest read still waiting on it is the one stuck (the server takes them
// in order); only that path is set apart, and the reads queued behind it are sent again on a fresh
// channel, with a fresh bound. A path set apart is read on a channel of its own, one read at a time:
// its caller waits a moment only (a host's poll must not wait on it), a reply that comes later is kept
// for the next read at the same place, a path that answers promptly again rejoins the others, and one
// that hangs again is asked again only after a growing pause, so stuck server processes never pile up.
// Every hang is reported (onHung) so the session can free a server process stuck on a named pipe.

import type { SFTPWrapper } from 'ssh2';
import { secs } from './describe';
import type { InflightRequests } from './inflight';
import type { SettleOnce } from './settle-once';
import type { SftpChannel } from './sftp-channel';
import { SshError } from './types';

export interface ReadArgs {
  path: string;
  offset: number;
  maxBytes: number;
  inode?: number;
}

export interface SftpReadsDeps {
  shared: Pick<SftpChannel, 'get' | 'discard'>;
  /** A new channel for one read of a path set apart (ended after it). */
  openAlone(): Promise<SFTPWrapper>;
  inflight: InflightRequests;
  timeoutMs: number;
  hostName: string;
  /** A read of `path` hung and was abandoned. */
  onHung(path: string): void;
  now(): number;
  /** How long the caller of a read set apart waits before hearing "no reply yet" (default 2 s). */
  waitAloneMs?: number;
}

type Run = (sftp: SFTPWrapper) => Promise<Uint8Array>;

interface Op {
  args: ReadArgs;
  run: Run;
  request: SettleOnce<Uint8Array>;
  attempt: number;
  timer: NodeJS.Timeout | null;
  lane: Lane | null;
}

interface Lane {
  channel: Promise<SFTPWrapper>;
  /** Reads waiting on this channel, in the order they were sent. */
  ops: Set<Op>;
}

interface Apart {
  /** Reads of it that hung, in a row. */
  hangs: number;
  nextTryAt: number;
  /** When the read in flight started, or null. */
  since: number | null;
  /** Bytes a read brought after its caller stopped waiting: served to the next read at that place. */
  kept: { offset: number; inode: number | undefined; data: Uint8Array } | null;
}

const PAUSE_BASE_MS = 30_000;
const PAUSE_CAP_MS = 10 * 60_000;
const WAIT_ALONE_MS = 2000;

export class SftpReads {
  private lane: Lane | null = null;
  private readonly apart = new Map<string, Apart>();

  constructor(private readonly deps: SftpReadsDeps) {}

  isApart(path: string): boolean {
    return this.apart.has(path);
  }

  /** `shared` reads through the shared channel (it may keep files open); `alone` on a channel of its own. */
  read(args: ReadArgs, shared: Run, alone: Run): Promise<Uint8Array> {
    const apart = this.apart.get(args.path);
    if (apart) return this.readApart(args, apart, alone);
    return this.deps.inflight.hold<Uint8Array>((request) => {
      this.send({ args, run: shared, request, attempt: 0, timer: null, lane: null });
    });
  }

  private currentLane(): Lane {
    const channel = this.deps.shared.get();
    if (this.lane?.channel !== channel) this.lane = { channel, ops: new Set() };
    return this.lane;
  }

  private send(op: Op): void {
    if (op.request.settled) return;
    const lane = this.currentLane();
    const attempt = ++op.attempt;
    op.lane = lane;
    lane.ops.add(op);
    op.timer = setTimeout(() => this.timedOut(op, attempt), this.deps.timeoutMs);
    const current = () => op.attempt === attempt;
    lane.channel.then(op.run).then(
      (data) => {
        if (!current()) return;
        this.leave(op);
        op.request.resolve(data);
      },
      (err: Error) => {
        if (!current()) return;
        this.leave(op);
        op.request.reject(err);
      },
    );
  }

  private leave(op: Op): void {
    if (op.timer) clearTimeout(op.timer);
    op.timer = null;
    op.lane?.ops.delete(op);
    op.lane = null;
  }

  private timedOut(op: Op, attempt: number): void {
    if (op.attempt !== attempt || op.request.settled || !op.lane) return;
    const lane = op.lane;
    // The server answers in order: the oldest read still waiting is the one that hangs.
    const waiting = [...lane.ops];
    const culprit = waiting[0] ?? op;
    for (const o of waiting) this.leave(o);
    if (this.lane === lane) this.lane = null;
    this.deps.shared.discard(lane.channel);
    this.setApart(culprit.args.path);
    culprit.request.reject(this.noReply(culprit.args.path));
    this.deps.onHung(culprit.args.path);
    // The reads queued behind it did nothing wrong: again, on a fresh channel.
    for (const o of waiting) if (o !== culprit) this.send(o);
  }

  private setApart(path: string): void {
    const a = this.apart.get(path) ?? { hangs: 0, nextTryAt: 0, since: null, kept: null };
    a.hangs++;
    a.nextTryAt = this.deps.now() + Math.min(PAUSE_CAP_MS, PAUSE_BASE_MS * 2 ** (a.hangs - 1));
    this.apart.set(path, a);
  }

  private noReply(path: string): SshError {
    return new SshError(
      'sftp',
      `no SFTP reply from ${this.deps.hostName} within ${secs(this.deps.timeoutMs)} reading ${path}`,
      'Is it on a stuck mount? Vigil reads it apart from the other files from now on.',
    );
  }

  private readApart(args: ReadArgs, a: Apart, alone: Run): Promise<Uint8Array> {
    const { path, offset, inode } = args;
    const now = this.deps.now();
    const kept = a.kept;
    if (kept && kept.offset === offset && kept.inode === inode) {
      a.kept = null;
      return Promise.resolve(kept.data.subarray(0, args.maxBytes));
    }
    if (a.since !== null) {
      return Promise.reject(
        new SshError('sftp', `still no SFTP reply reading ${path} (asked ${secs(now - a.since)} ago)`),
      );
    }
    if (now < a.nextTryAt) {
      return Promise.reject(
        new SshError(
          'sftp',
          `no SFTP reply reading ${path} (${a.hangs} ${a.hangs === 1 ? 'time' : 'times'}); asking again in ${secs(a.nextTryAt - now)}`,
        ),
      );
    }
    a.since = now;
    a.kept = null;
    const channel = this.deps.openAlone();
    const end = () => void channel.then((s) => s.end()).catch(() => {});
    let waited = false;
    let hung = false;
    const whole = this.deps.inflight.track<Uint8Array>(
      this.deps.timeoutMs,
      () => {
        hung = true;
        end();
        this.setApart(path);
        this.deps.onHung(path);
        return this.noReply(path);
      },
      (request) => {
        channel.then(alone).then(
          (data) => request.resolve(data),
          (err: Error) => request.reject(err),
        );
      },
    );
    whole.then(
      (data) => {
        // Answered while its caller waited: it is well again. Later: keep the bytes for the next read.
        if (!waited) this.apart.delete(path);
        else a.kept = { offset, inode, data };
      },
      () => {
        // An error is an answer too (no such file…): the server is not stuck on it.
        if (!hung && !waited) this.apart.delete(path);
      },
    );
    whole
      .finally(() => {
        a.since = null;
        end();
      })
      .catch(() => {});
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        waited = true;
        reject(
          new SshError('sftp', `no SFTP reply yet reading ${path} (read apart since a read of it hung)`),
        );
      }, this.deps.waitAloneMs ?? WAIT_ALONE_MS);
      whole.then(
        (data) => {
          clearTimeout(timer);
          if (!waited) resolve(data);
        },
        (err: Error) => {
          clearTimeout(timer);
          if (!waited) reject(err);
        },
      );
    });
  }
}
