// Follow mode for one host: keeps a follower running over the files its workers watch, restarts it
// when the file set changes or it fails, and gives up (polling, with the reason) when the host cannot
// run one or it keeps failing. What the follower says overrides the probe's view of those files, and
// the bytes it streamed are read before anything goes over SFTP.

import { randomBytes } from 'node:crypto';
import type { FollowedFile } from '../files';
import type { Clock } from '../ports';
import {
  type FileProbe,
  FOLLOW_ENV,
  FOLLOW_LAUNCH,
  FOLLOWER_PY,
  type FollowFileSpec,
  type FollowLivenessSpec,
  followFilesEnv,
  followListEnv,
  NONCE_VAR,
  newNonce,
  type ProbeResult,
  type VitalsCourier,
} from '../remote';
import type { SshSession } from '../ssh';
import { FollowLink } from './follow-link';

/**
 * The follower says it is alive this often (seconds) when nothing else is sent: a few bytes, and they
 * spare the connection its keepalive pings (bytes from the server restart their count).
 */
export const FOLLOW_HEARTBEAT_S = 5;
/** With no word from a running follower for this long (three heartbeats), it is started anew. */
const SILENT_MS = 3 * FOLLOW_HEARTBEAT_S * 1000;
/**
 * The probe leaves out what the follower reports only while it was heard this recently: a heartbeat and
 * a half. A host that freezes is then probed (and the probe's silence seen) within one tick, as in polling.
 */
const FRESH_MS = 1.5 * FOLLOW_HEARTBEAT_S * 1000;
/** A follower that has not started within this long failed to. */
const START_MS = 10_000;
/** Failures in a row (on one connection) before the host is polled until it reconnects. */
const MAX_FAILURES = 3;

export interface FollowStatus {
  mode: 'follow' | 'poll';
  /** How: "inotify", or why the host is polled. */
  detail: string;
}

type Position = FollowedFile['position'] & {};

/** What a probe may leave out because the follower reports it (see HostFollower.omittable). */
export interface Omittable {
  files: Set<string>;
  pidFiles: Set<string>;
  patterns: Set<string>;
}

/** True when nothing is left out. */
export const omitsNothing = (o: Omittable) => o.files.size + o.pidFiles.size + o.patterns.size === 0;

export class HostFollower {
  private link: FollowLink | null = null;
  private pid: number | null = null;
  private startedAt = 0;
  private failures = 0;
  /** Why this host is polled for the rest of this connection (null: follow when possible). */
  private gaveUp: string | null = null;
  private lastEnd: string | null = null;

  constructor(
    private readonly opts: {
      clock: Clock;
      /** Whether the config lets this host be followed. */
      enabled: boolean;
      onChanged: (paths: Set<string>) => void;
      /** The follower ended unasked: the host should poll at once. */
      onEnded: () => void;
    },
  ) {}

  /** True while a follower streams (its files' views and bytes are current). */
  get on(): boolean {
    return this.link?.state === 'on';
  }

  /** Local time of the follower's last word while it streams, else null. */
  get heardAt(): number | null {
    return this.on ? this.link!.lastHeardAt : null;
  }

  /** Bytes the current follower has sent (benches and tests). */
  get bytesIn(): number {
    return this.link?.bytesIn ?? 0;
  }

  /**
   * What the probe may leave out: every followed file once the follower has reported each (it tells their
   * changes the moment they happen), and the pid files and patterns once it has reported them all; only
   * while the follower was heard within FRESH_MS, so that a follower gone quiet (a host freezing) never
   * stands in for an answer. Nothing otherwise.
   */
  omittable(): Omittable {
    const link = this.link;
    const fresh = link?.state === 'on' && this.opts.clock.now() - link.lastHeardAt <= FRESH_MS;
    return {
      files: fresh && link.settled ? new Set(link.paths) : new Set(),
      pidFiles: fresh && link.livenessSettled ? new Set(link.liveness.pidFiles) : new Set(),
      patterns: fresh && link.livenessSettled ? new Set(link.liveness.patterns) : new Set(),
    };
  }

  /**
   * The follower as a taker of vitals requests: only while it streams, takes them and was heard within
   * FRESH_MS (a follower gone quiet would leave the vitals waiting for their timeout). Null otherwise.
   */
  vitalsCourier(): VitalsCourier | null {
    const link = this.link;
    if (link?.state !== 'on' || this.opts.clock.now() - link.lastHeardAt > FRESH_MS) return null;
    return link.courier();
  }

  /** Its vitals answer could not be read: the vitals script serves this follower's host from now on. */
  vitalsRefused(): void {
    if (this.link) this.link.vitalsRefused = true;
  }

  /** A new connection: the follower is tried again. */
  connected(): void {
    this.link?.close('the connection was replaced');
    this.link = null;
    this.failures = 0;
    this.gaveUp = null;
  }

  status(): FollowStatus {
    if (!this.opts.enabled) return { mode: 'poll', detail: 'follow: false in the config' };
    if (this.on) return { mode: 'follow', detail: this.link!.mode ?? 'inotify' };
    if (this.gaveUp) return { mode: 'poll', detail: this.gaveUp };
    if (this.link?.state === 'starting') return { mode: 'poll', detail: 'the follower is starting' };
    return { mode: 'poll', detail: this.lastEnd ?? 'the follower starts after the first answer' };
  }

  /**
   * The probe as the workers should see it: each followed file as the follower last said; one the
   * follower has not reported yet stays as its mirror stands (nothing is read around the follower, so
   * what it sends later always continues what the mirror holds). Pid files and patterns as the follower
   * last said, when it has: it says each change within a sweep, so its word is never the older one.
   */
  overlay(probe: ProbeResult, positionOf: (path: string) => Position | null): ProbeResult {
    const link = this.link;
    if (!link || link.state === 'ended') return probe;
    const files = new Map(probe.files);
    for (const path of link.paths) {
      const p = probe.files.get(path);
      const view = link.viewOf(path);
      if (view) {
        files.set(path, p ? merged(view, p) : view);
        continue;
      }
      const pos = positionOf(path);
      if (p?.kind === 'ok' && pos)
        files.set(path, {
          kind: 'ok',
          stat: {
            inode: pos.inode ?? p.stat.inode,
            size: pos.offset,
            mtimeSec: pos.mtimeSec ?? p.stat.mtimeSec,
          },
        });
    }
    const pids = new Map(probe.pids);
    for (const path of link.liveness.pidFiles) {
      const said = link.pidOf(path);
      if (said !== undefined) pids.set(path, said);
    }
    const patterns = new Map(probe.patterns);
    for (const pattern of link.liveness.patterns) {
      const said = link.patternOf(pattern);
      if (said !== undefined) patterns.set(pattern, said);
    }
    return { ...probe, files, pids, patterns };
  }

  /** A read served from the stream when it holds the bytes, else null (read over SFTP). */
  read(path: string, offset: number, maxBytes: number, inode?: number): Uint8Array | null {
    return this.link?.state === 'on' ? this.link.read(path, offset, maxBytes, inode) : null;
  }

  /**
   * After an answer: starts the follower over `files` if none runs over them (or the one running has
   * gone quiet, or never started). Never throws.
   */
  async keep(
    session: SshSession,
    files: FollowFileSpec[],
    liveness: FollowLivenessSpec = { pidFiles: [], patterns: [] },
  ): Promise<void> {
    if (!this.opts.enabled || this.gaveUp !== null) return;
    const now = this.opts.clock.now();
    const link = this.link;
    if (link?.state === 'starting' && now - this.startedAt > START_MS)
      link.close(`the follower did not start within ${START_MS / 1000} s`);
    else if (link?.state === 'on' && now - link.lastHeardAt > SILENT_MS)
      link.close(`no word from the follower for ${Math.round((now - link.lastHeardAt) / 1000)} s`);
    const key = JSON.stringify([files.map((f) => [f.path, f.mode]), liveness]);
    if (this.link && this.link.state !== 'ended' && this.link.key === key) return;
    if (this.link && this.link.state !== 'ended') await this.stop(session, 'the files changed');
    if (files.length === 0 || !session.alive) return;
    if (!session.startStream) {
      this.gaveUp = 'this connection cannot carry a stream';
      return;
    }
    await this.start(session, files, liveness, key);
  }

  private async start(
    session: SshSession,
    files: FollowFileSpec[],
    liveness: FollowLivenessSpec,
    key: string,
  ): Promise<void> {
    const nonce = newNonce(randomBytes);
    const clock = this.opts.clock;
    const next: FollowLink = new FollowLink(files, liveness, nonce, key, () => clock.now(), {
      onChanged: (paths) => this.opts.onChanged(paths),
      onEnded: (why) => this.ended(next, why),
    });
    this.link = next;
    this.pid = null;
    this.startedAt = clock.now();
    try {
      const { result, stream } = await session.startStream!(FOLLOW_LAUNCH, {
        timeoutMs: START_MS,
        env: {
          [NONCE_VAR]: nonce,
          [FOLLOW_ENV.source]: FOLLOWER_PY,
          [FOLLOW_ENV.files]: followFilesEnv(files),
          [FOLLOW_ENV.heartbeat]: String(FOLLOW_HEARTBEAT_S),
          [FOLLOW_ENV.pidFiles]: followListEnv(liveness.pidFiles),
          [FOLLOW_ENV.patterns]: followListEnv(liveness.patterns),
        },
      });
      const started = /^started (\d+)$/m.exec(result.stdout);
      if (!started) {
        stream.close();
        const why = result.stdout.trim().replace(/^unsupported: /, '') || 'the launch said nothing';
        this.gaveUp = `the host cannot be followed: ${why}`;
        next.close(this.gaveUp);
        return;
      }
      this.pid = Number(started[1]);
      if (this.link === next) next.attach(stream);
      else stream.close();
    } catch (e) {
      next.close(`the follower could not be started: ${(e as Error).message}`);
    }
  }

  private ended(link: FollowLink, why: string): void {
    if (link !== this.link) return;
    this.lastEnd = `polling while the follower restarts: ${why}`;
    if (this.gaveUp !== null || why === 'stopped' || why === 'the files changed') return;
    this.failures++;
    if (this.failures >= MAX_FAILURES)
      this.gaveUp = `the follower failed ${this.failures} times on this connection (last: ${why})`;
    this.opts.onEnded();
  }

  /** Stops the follower (the process too, when the connection still carries a command). */
  async stop(session: SshSession | null, why = 'stopped'): Promise<void> {
    const link = this.link;
    const pid = this.pid;
    this.pid = null;
    link?.close(why);
    if (pid !== null && session?.alive)
      await session.run(`kill ${pid} 2>/dev/null; true`, { timeoutMs: 5000 }).catch(() => undefined);
  }
}

/**
 * The follower's view, with what only the probe knows (bytes on disk) when it saw the same file: bytes
 * written since are counted as on disk, so a file that grew since the probe never looks sparse.
 */
function merged(view: FileProbe, probe: FileProbe): FileProbe {
  if (view.kind !== 'ok' || probe.kind !== 'ok' || probe.stat.inode !== view.stat.inode) return view;
  if (view.stat.allocated !== undefined) return view;
  const { allocated, size } = probe.stat;
  if (allocated === undefined) return view;
  return { kind: 'ok', stat: { ...view.stat, allocated: allocated + Math.max(0, view.stat.size - size) } };
}
