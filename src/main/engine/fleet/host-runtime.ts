// One SSH connection per host, shared by its workers. At most one connect in flight; failures back
// off exponentially with jitter; a changed host key stops all attempts until the user acts. Each tick
// runs one probe in the control shell and feeds every worker; one worker's trouble stays its own. When
// the host's vitals are due, the vitals script runs after the probe and the reads, in the same shell.
// Where the host can, a follower streams the files' new bytes as they are written and says when a
// worker's process changes (host-follower.ts): ticks then come every 10 s for the vitals, with a probe
// only for what the follower does not report, and the stream feeds the workers in between. Ticks and
// stream updates take turns, so a tracked file is never read by two at once.

import { createHash } from 'node:crypto';
import type { ConnectionState, HostSnapshot, WorkerResources, WorkerStatus } from '../../../shared/model';
import type { HostConfig } from '../config';
import type { FollowedFile } from '../files';
import { nearestPath, nearestPathScript } from '../files';
import type { Clock } from '../ports';
import {
  buildProbeScript,
  buildVitalsScript,
  emptyProbeResult,
  FollowerCannotAsk,
  type FollowFileSpec,
  type FollowLivenessSpec,
  type ProbeRequest,
  type ProbeResult,
  runProbe,
  runVitals,
  runVitalsViaFollower,
  type VitalsReading,
  type VitalsRequest,
} from '../remote';
import { type ResolvedHost, remotePath, type SshConnector, SshError, type SshSession } from '../ssh';
import { patternKey } from './follow-link';
import { type FollowStatus, HostFollower, type Omittable, omitsNothing } from './host-follower';
import { type HostAlert, HostWatch } from './host-watch';
import { VitalsSampler, type VitalsWorker } from './vitals-sampler';
import type { HostView, WorkerMonitor } from './worker-monitor';

export interface HostRuntimeOptions {
  connector: SshConnector;
  clock: Clock;
  resolve: () => Promise<ResolvedHost>;
  random?: () => number;
  /** Bytes read per tick at most (shared by the host's workers), so a catch-up never blows memory. */
  maxBytesPerTick?: number;
  /** The poll interval, to tell when an answer is overdue. */
  pollMs?: number;
  /** A probe slower than this marks the link degraded. */
  degradedAfterMs?: number;
  probeTimeoutMs?: number;
  /** Called whenever the connection state changes, so shells can refresh at once. */
  onChange?: () => void;
  /** Called when an established connection is lost (or its follower), so the owner polls again soon. */
  onLost?: () => void;
  /** Called when streamed bytes were applied to these workers, so the owner evaluates them. */
  onData?: (workers: readonly WorkerMonitor[]) => void;
  /** Where the vitals history is kept (null: memory only). */
  vitalsHistory?: { dir: string; readOnly: boolean } | null;
  /** Test port only: a fixture /proc and /sys for the vitals script (never from a config). */
  vitalsRoots?: { procRoot: string; sysRoot: string };
  /** Each worker's latest status (a GPU idle while its run is running is a warning). */
  statusOf?: (worker: string) => WorkerStatus | undefined;
  /** A host warning or the summary of a silence. */
  onHostAlert?: (alert: HostAlert) => void;
}

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 60_000;
/** Auth failures and unknown host keys need the user: retry rarely, in case they fixed it. */
const USER_ACTION_RETRY_MS = 5 * 60_000;
const CLOCK_EVERY_MS = 10 * 60_000;
const MIN_BYTES_PER_FILE = 256 << 10;
/** The vitals script reads /proc and runs `stat -f`: a few ms; longer means a stuck file system. */
const VITALS_TIMEOUT_MS = 4000;
/** Vitals due within this long count as due in this tick (see tick()). */
const VITALS_DUE_SLACK_MS = 1000;
/** While a follower streams, ticks (vitals, new glob matches, whatever the follower does not report) come this often. */
export const FOLLOW_TICK_MS = 10_000;

const NOTHING_OMITTED: Omittable = { files: new Set(), pidFiles: new Set(), patterns: new Set() };

/** A probe request with nothing in it: no file, pid file, pattern or glob, and the clock not due. */
function askingNothing(req: ProbeRequest): boolean {
  return (
    req.files.length + req.pidFiles.length + req.patterns.length + (req.globs?.length ?? 0) === 0 &&
    !req.clock
  );
}

export class HostRuntime {
  connection: ConnectionState = 'unknown';
  reason: string | null = null;
  lastContactAt: number | null = null;
  clockOffsetMs = 0;
  /** Connection attempts made, for tests and the chaos table. */
  attempts = 0;
  /** Probe scripts run, for tests and benches (a followed host runs them only when something is due). */
  probesRun = 0;
  /** Vitals readings taken by the follower and by the vitals script (tests, benches). */
  readonly vitalsRead = { follower: 0, script: 0 };
  private session: SshSession | null = null;
  private connecting: Promise<SshSession | null> | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private lastClockAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly maxBytes: number;
  private lastProbe: { key: string; script: string } | null = null;
  private lastVitals: { key: string; script: string } | null = null;
  private readonly random: () => number;
  private onStop: () => void = () => {};
  /** Resolves (to no session) when stop() is called. */
  private readonly stoppedNow = new Promise<null>((resolve) => {
    this.onStop = () => resolve(null);
  });
  /** null when `vitals: false`. */
  readonly sampler: VitalsSampler | null;
  readonly watch: HostWatch;
  readonly follower: HostFollower;
  /** Set by the owner when it watches (a one-pass status never starts a follower). */
  private followWanted = false;
  /** The last probe answer, which stream updates reuse for everything but the followed files. */
  private lastAnswer: ProbeResult | null = null;
  /** Ticks and stream updates run one at a time. */
  private turn: Promise<unknown> = Promise.resolve();
  private streamed = new Set<string>();
  /** Each followed path's workers (as of the follower's start). */
  private followOwners = new Map<string, WorkerMonitor[]>();
  private streamQueued = false;

  constructor(
    readonly cfg: HostConfig,
    readonly workers: WorkerMonitor[],
    private readonly opts: HostRuntimeOptions,
  ) {
    this.maxBytes = opts.maxBytesPerTick ?? 8 << 20;
    this.random = opts.random ?? Math.random;
    const vitals = cfg.vitals ?? null;
    // The GPU files' name on the host: the same for this data folder and host from one run to the next.
    const gpuId = createHash('sha256')
      .update(`${opts.vitalsHistory?.dir ?? ''}\0${cfg.name}`)
      .digest('hex')
      .slice(0, 8);
    this.sampler = vitals
      ? new VitalsSampler({
          everyMs: vitals.everyMs,
          gpuEveryMs: vitals.gpuEveryMs,
          gpuId,
          ...opts.vitalsRoots,
        })
      : null;
    this.follower = new HostFollower({
      clock: opts.clock,
      enabled: cfg.follow !== false,
      onChanged: (paths) => this.streamChanged(paths),
      onEnded: () => this.opts.onLost?.(),
    });
    const byName = (name: string) => workers.find((w) => w.cfg.name === name);
    this.watch = new HostWatch({
      host: cfg.name,
      workers: workers.map((w) => w.cfg.name),
      history: vitals ? (opts.vitalsHistory ?? null) : null,
      everyMs: vitals?.everyMs ?? 10_000,
      statusOf: (name) => opts.statusOf?.(name),
      recordsOf: (name) => byName(name)?.records.count ?? 0,
      processOf: (name) => byName(name)?.process ?? 'unknown',
      whereOf: (name) => byName(name)?.where() ?? null,
      onAlert: (a) => opts.onHostAlert?.(a),
    });
  }

  /** Reads the vitals history, so the last known vitals (and a silence's post-mortem) show at once. */
  restore(): Promise<void> {
    return this.watch.restore();
  }

  /** Follow the files from now on, where the host can. */
  enableFollow(): void {
    this.followWanted = true;
  }

  /** How this host is watched: followed, or polled and why. */
  followStatus(): FollowStatus {
    if (!this.followWanted && this.cfg.follow !== false)
      return { mode: 'poll', detail: 'a one-pass status reads once' };
    return this.follower.status();
  }

  /** The interval of ticks: the poll, or the liveness cadence while a follower streams (vitals' if sooner). */
  get tickEveryMs(): number {
    const poll = this.opts.pollMs ?? 1000;
    if (!this.follower.on) return poll;
    return Math.max(poll, Math.min(FOLLOW_TICK_MS, this.cfg.vitals?.everyMs ?? FOLLOW_TICK_MS));
  }

  view(): HostView {
    const heard = this.follower.heardAt;
    return {
      name: this.cfg.name,
      connection: this.connection,
      connectionReason:
        this.connection === 'unreachable' && this.sampler && this.watch.silenceText
          ? `${this.reason ?? 'the host does not answer'}; ${this.watch.silenceText}`
          : this.reason,
      lastContactAt:
        heard !== null && this.lastContactAt !== null
          ? Math.max(heard, this.lastContactAt)
          : this.lastContactAt,
      followHeardAt: heard,
      clockOffsetMs: this.clockOffsetMs,
      // Beyond the keepalive bound plus a probe, what we last saw can no longer be trusted.
      contactStaleAfterMs: Math.max(
        60_000,
        this.cfg.keepaliveIntervalMs * (this.cfg.keepaliveCountMax + 1) +
          (this.opts.probeTimeoutMs ?? 20_000),
      ),
      contactOverdueAfterMs: Math.max(5000, 3 * this.tickEveryMs),
    };
  }

  /** When the next connect attempt may start (ms, local clock); 0 when connected or allowed now. */
  get retryAt(): number {
    return this.session?.alive ? 0 : this.nextAttemptAt;
  }

  private setState(state: ConnectionState, reason: string | null): void {
    if (state === 'unreachable') this.watch.silent(this.opts.clock.now(), this.lastContactAt);
    const changed = state !== this.connection || reason !== this.reason;
    this.connection = state;
    this.reason = reason;
    if (changed) this.opts.onChange?.();
  }

  /** The live session, connecting if allowed now. Never two connects at once. */
  async ensureSession(): Promise<SshSession | null> {
    if (this.session?.alive) return this.session;
    if (!this.connecting) {
      if (this.stopped || this.opts.clock.now() < this.nextAttemptAt) return null;
      this.connecting = this.connect().finally(() => {
        this.connecting = null;
      });
    }
    // A stop does not wait for a connect to a host that never answers (it closes what it brings later).
    return Promise.race([this.connecting, this.stoppedNow]);
  }

  private async connect(): Promise<SshSession | null> {
    this.attempts++;
    let resolved: ResolvedHost;
    try {
      resolved = await this.opts.resolve();
    } catch (e) {
      this.fail('config-error', (e as Error).message, USER_ACTION_RETRY_MS);
      return null;
    }
    try {
      const session = await this.opts.connector.connect(resolved);
      if (this.stopped) {
        session.close();
        return null;
      }
      this.session = session;
      this.failures = 0;
      this.nextAttemptAt = 0;
      this.lastClockAt = Number.NEGATIVE_INFINITY;
      this.sampler?.connected();
      this.follower.connected();
      session.onClose((err) => {
        if (this.session !== session) return;
        this.session = null;
        this.fail('unreachable', err.message, null);
        this.opts.onLost?.();
      });
      return session;
    } catch (e) {
      const err = e instanceof SshError ? e : new SshError('tcp', (e as Error).message);
      const withFix = err.fix ? `${err.message} — ${err.fix}` : err.message;
      if (err.kind === 'host-key-mismatch') this.fail('host-key-mismatch', withFix, Number.POSITIVE_INFINITY);
      else if (err.kind === 'host-key-unknown') this.fail('host-key-unknown', withFix, USER_ACTION_RETRY_MS);
      else if (err.kind === 'auth' || err.kind === 'key')
        this.fail('auth-failed', withFix, USER_ACTION_RETRY_MS);
      else this.fail('unreachable', withFix, null);
      return null;
    }
  }

  /** Records a failure and when to try again (null → exponential backoff with jitter). */
  private fail(state: ConnectionState, reason: string, retryInMs: number | null): void {
    this.failures++;
    let delay = retryInMs;
    if (delay === null) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (this.failures - 1));
      delay = ceiling / 2 + (this.random() * ceiling) / 2;
    }
    this.nextAttemptAt = this.opts.clock.now() + delay;
    this.setState(state, reason);
  }

  probeRequest(home: string, omit: Omittable = NOTHING_OMITTED): ProbeRequest {
    const files: string[] = [];
    const globs: string[] = [];
    const pidFiles: string[] = [];
    const patterns: string[] = [];
    for (const w of this.workers) {
      let p: ReturnType<WorkerMonitor['remotePaths']>;
      try {
        p = w.remotePaths(home);
      } catch (e) {
        // A path the remote shell cannot take (a `~user`, a wildcard in a folder) is that worker's error.
        w.fileError = (e as Error).message;
        continue;
      }
      // A followed file's identity and size come from its follower: the probe need not stat it.
      // So do the processes, once it has said of each.
      if (p.metricsIsGlob) globs.push(p.metrics);
      else if (!omit.files.has(p.metrics)) files.push(p.metrics);
      if (p.log && !omit.files.has(p.log)) files.push(p.log);
      if (p.pidFile && !omit.pidFiles.has(p.pidFile) && !pidFiles.includes(p.pidFile))
        pidFiles.push(p.pidFile);
      if (w.pattern !== null && !omit.patterns.has(w.pattern) && !patterns.includes(w.pattern))
        patterns.push(w.pattern);
    }
    const now = this.opts.clock.now();
    return { files, globs, pidFiles, patterns, clock: now - this.lastClockAt >= CLOCK_EVERY_MS };
  }

  /** The same request every poll (until a glob matches anew or the clock is due): built once, not per tick. */
  private probeScript(req: ProbeRequest): string {
    const key = JSON.stringify(req);
    if (key !== this.lastProbe?.key) this.lastProbe = { key, script: buildProbeScript(req) };
    return this.lastProbe.script;
  }

  /** One probe and read for every worker. Returns true when a worker has more bytes waiting. */
  async tick(): Promise<{ more: boolean; contacted: boolean }> {
    const session = await this.ensureSession();
    if (!session) return { more: false, contacted: false };
    const omitted = this.follower.omittable();
    const req = this.probeRequest(session.home, omitted);
    const clock = this.opts.clock;
    // The follower reports everything this probe would ask: no script runs; its word is the answer, as
    // of when it was last heard (omittable() made sure that was within a heartbeat and a half). Only
    // when the vitals run in this tick (due now, or within a second: the sampler counts from its last
    // run, which came a little after the last tick's start): their round trip says if the link is slow.
    const heard = this.follower.heardAt;
    const skip =
      !omitsNothing(omitted) &&
      askingNothing(req) &&
      heard !== null &&
      this.sampler?.due(clock.now() + VITALS_DUE_SLACK_MS) === true;
    let t0 = skip ? heard : clock.now();
    let probe: ProbeResult;
    try {
      if (!skip) this.probesRun++;
      probe = skip
        ? emptyProbeResult()
        : await runProbe(session, req, this.probeScript(req), this.opts.probeTimeoutMs ?? 20_000);
      // The follower ended while the probe ran without its files: ask again, with them.
      if (!omitsNothing(omitted) && !this.follower.on && session.alive) {
        t0 = clock.now();
        this.probesRun++;
        const full = this.probeRequest(session.home);
        probe = await runProbe(session, full, this.probeScript(full), this.opts.probeTimeoutMs ?? 20_000);
      }
    } catch (e) {
      if (session.alive)
        this.setState('degraded', `the remote shell did not answer: ${(e as Error).message}`);
      return { more: false, contacted: false };
    }
    const t1 = skip ? t0 : clock.now();
    if (probe.error !== null) {
      // An answer that breaks the format is believed in no part: no worker is judged on it.
      const why = `the host's answer could not be read (${probe.error})`;
      this.setState('degraded', why);
      for (const w of this.workers) w.probeFailed(why);
      return { more: false, contacted: false };
    }
    if (probe.remoteNowSec !== null) {
      // The remote read its clock somewhere in the round trip: its midpoint is the best guess.
      this.clockOffsetMs = probe.remoteNowSec * 1000 - (t0 + t1) / 2;
      this.lastClockAt = t1;
    }
    this.lastContactAt = Math.max(t1, this.lastContactAt ?? t1);
    // Until each worker has read what this answer shows, a recovery is not told (with old values).
    for (const w of this.workers) w.catchingUp = true;
    this.watch.contacted(t1);
    const slow = t1 - t0 > (this.opts.degradedAfterMs ?? 5000);
    if (!skip)
      this.setState(
        slow ? 'degraded' : 'ok',
        slow ? `a probe took ${((t1 - t0) / 1000).toFixed(1)} s` : null,
      );
    this.lastAnswer = probe;
    const updated = await this.inTurn(async () => {
      // The follower ended while this answer waited its turn: it lacks the followed files, so it is not
      // applied (the next tick, at once, asks for them).
      if (!omitsNothing(omitted) && !this.follower.on) return this.workers.map(() => false);
      const answer = this.follower.overlay(probe, this.positionOf(probe, session.home));
      // Every worker at once: their read requests leave in one TCP write and their replies come back
      // together, one round trip per poll instead of one per file.
      return Promise.all(this.workers.map((w) => this.updateWorker(w, answer, session, t1)));
    });
    await this.explainMissing(session);
    const more = updated.includes(true);
    // A backlog is read over SFTP first (bounded reads, a tick each); the follower takes over once the
    // mirrors have caught up, so it streams what is written from then on.
    if (this.followWanted && session.alive && (!more || this.follower.on)) {
      const specs = this.followSpecs(probe, session.home);
      await this.follower.keep(session, specs.files, specs.liveness);
    }
    if ((skip || this.sampler?.due(clock.now())) && session.alive) {
      const answered = await this.runVitals(session);
      if (skip && session.alive) this.judgeRoundTrip(answered);
    }
    if (!more) this.watch.caughtUp(clock.now(), this.sampler !== null);
    return { more, contacted: true };
  }

  /**
   * One worker's update from an answer (a probe, or a probe with streamed views), reading what the
   * stream holds before going over SFTP. The byte cap is shared so a catch-up of many files at once
   * still holds at most maxBytes (or 256 KiB per file) in memory. Returns true when bytes remain.
   */
  private async updateWorker(w: WorkerMonitor, answer: ProbeResult, session: SshSession, at: number) {
    const read = (p: string, offset: number, len: number, inode?: number) => {
      const got = this.follower.read(p, offset, len, inode);
      return got ? Promise.resolve(got) : session.read(p, offset, len, inode);
    };
    const share = Math.floor(this.maxBytes / Math.max(1, this.workers.length));
    const perFile = Math.min(this.maxBytes, Math.max(MIN_BYTES_PER_FILE, share));
    try {
      const more = await w.update(answer, session.home, read, perFile);
      w.progressCheckedAt = at;
      w.catchingUp = more;
      return more;
    } catch (e) {
      w.catchingUp = false;
      if (e instanceof SshError && e.kind === 'lost') return false; // the host's state says it
      const err = e as Error;
      w.fileError = err.name === 'RemotePathError' ? err.message : `unexpected error: ${err.message}`;
      return false;
    }
  }

  /** Runs `fn` when no tick or stream update is under way. */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.turn.then(fn);
    this.turn = p.catch(() => {});
    return p;
  }

  /** Each worker's followed files, with where their mirrors stand. */
  private followed(probe: ProbeResult, home: string): [WorkerMonitor, FollowedFile][] {
    const out: [WorkerMonitor, FollowedFile][] = [];
    for (const w of this.workers) {
      try {
        for (const f of w.followed(probe, home)) out.push([w, f]);
      } catch {
        // A path the shell cannot take: that worker's own error, said by the probe.
      }
    }
    return out;
  }

  /** Where a followed file's mirror stands, looked up only for a file its follower has not reported. */
  private positionOf(probe: ProbeResult, home: string): (path: string) => FollowedFile['position'] {
    let all: Map<string, FollowedFile['position']> | null = null;
    return (path) => {
      all ??= new Map(this.followed(probe, home).map(([, f]) => [f.path, f.position]));
      return all.get(path) ?? null;
    };
  }

  /**
   * What the follower should watch: every worker's files, once each, and their processes; and which
   * workers each file, pid file and pattern (patternKey) concerns.
   */
  private followSpecs(
    probe: ProbeResult,
    home: string,
  ): { files: FollowFileSpec[]; liveness: FollowLivenessSpec } {
    const specs = new Map<string, FollowFileSpec>();
    const owners = new Map<string, WorkerMonitor[]>();
    for (const [w, f] of this.followed(probe, home)) {
      owners.set(f.path, [...(owners.get(f.path) ?? []), w]);
      if (specs.has(f.path)) continue;
      const pos = f.position;
      specs.set(f.path, {
        path: f.path,
        mode: f.whole ? 'w' : 'a',
        inode: pos?.inode ?? null,
        offset: pos?.offset ?? 0,
        tail: pos?.tail ?? new Uint8Array(0),
      });
    }
    // The pid files and patterns as the probe asks them: each once, in the workers' order.
    const pidFiles: string[] = [];
    const patterns: string[] = [];
    const own = (key: string, w: WorkerMonitor) => owners.set(key, [...(owners.get(key) ?? []), w]);
    for (const w of this.workers) {
      let pidFile: string | null | undefined;
      try {
        pidFile = w.remotePaths(home).pidFile;
      } catch {
        continue; // A path the shell cannot take: that worker's own error, said by the probe.
      }
      if (pidFile) {
        if (!pidFiles.includes(pidFile)) pidFiles.push(pidFile);
        own(pidFile, w);
      }
      if (w.pattern !== null) {
        if (!patterns.includes(w.pattern)) patterns.push(w.pattern);
        own(patternKey(w.pattern), w);
      }
    }
    this.followOwners = owners;
    return { files: [...specs.values()], liveness: { pidFiles, patterns } };
  }

  /** The follower reported changes: the workers that watch those files are updated in their turn. */
  private streamChanged(paths: Set<string>): void {
    for (const p of paths) this.streamed.add(p);
    if (this.streamQueued) return;
    this.streamQueued = true;
    void this.inTurn(async () => {
      this.streamQueued = false;
      await this.applyStream();
    }).catch(() => undefined);
  }

  private async applyStream(): Promise<void> {
    const paths = this.streamed;
    this.streamed = new Set();
    const session = this.session;
    const probe = this.lastAnswer;
    if (!session?.alive || !probe || !this.follower.on || paths.size === 0) return;
    const owned = new Set<WorkerMonitor>();
    for (const p of paths) for (const w of this.followOwners.get(p) ?? []) owned.add(w);
    const affected = [...owned];
    if (affected.length === 0) return;
    const answer = this.follower.overlay(probe, this.positionOf(probe, session.home));
    // As of when the bytes came: never later than the contact they prove.
    const now = this.follower.heardAt ?? this.opts.clock.now();
    const more = await Promise.all(affected.map((w) => this.updateWorker(w, answer, session, now)));
    // A catch-up larger than one read's cap goes on at once, in the next turn.
    const behind = affected.filter((_, i) => more[i]);
    if (behind.length > 0) {
      const again = [...this.followOwners].filter(([, ws]) => ws.some((w) => behind.includes(w)));
      this.streamChanged(new Set(again.map(([path]) => path)));
    }
    this.opts.onData?.(affected);
  }

  /** The workers as the vitals script sees them: where their processes and folders are. */
  private vitalsWorkers(home: string): VitalsWorker[] {
    const out: VitalsWorker[] = [];
    for (const w of this.workers) {
      try {
        const paths = w.remotePaths(home);
        const root: VitalsWorker['root'] = paths.pidFile
          ? { kind: 'pid-file', path: paths.pidFile }
          : w.pattern !== null
            ? { kind: 'pattern', pattern: w.pattern, pids: [] }
            : { kind: 'none' };
        out.push({ name: w.cfg.name, root, dir: remotePath(w.cfg.dir, home) });
      } catch {
        // A path the shell cannot take: that worker's own error, said by the probe.
      }
    }
    return out;
  }

  /**
   * The state of a link whose tick ran no probe, from its vitals run's round trip (ms; an Error when it
   * failed; null when none ran, or the connection went meanwhile: its own state then stands).
   */
  private judgeRoundTrip(answered: number | Error | null): void {
    if (answered === null) return;
    if (answered instanceof Error) {
      this.setState('degraded', `the remote shell did not answer: ${answered.message}`);
      return;
    }
    const slow = answered > (this.opts.degradedAfterMs ?? 5000);
    this.setState(
      slow ? 'degraded' : 'ok',
      slow ? `the vitals script took ${(answered / 1000).toFixed(1)} s` : null,
    );
  }

  /**
   * One vitals run: planned within its process budget, bounded, its answer judged. Returns its round trip
   * (ms), the Error it met, or null when none ran or the connection is gone.
   */
  async runVitals(session: SshSession, collectOnly = false): Promise<number | Error | null> {
    const sampler = this.sampler;
    if (!sampler) return null;
    const clock = this.opts.clock;
    const workers = this.vitalsWorkers(session.home);
    const req: VitalsRequest = sampler.plan(workers, clock.now());
    if (collectOnly) req.gpuStart = null;
    // The script's text depends on the workers alone (what a tick asks goes in its environment).
    const key = JSON.stringify([req.roots.map((r) => (r.kind === 'pattern' ? r.pattern : r)), req.dirs]);
    if (key !== this.lastVitals?.key) this.lastVitals = { key, script: buildVitalsScript(req) };
    const t0 = clock.now();
    try {
      const reading = await this.readVitals(session, req, this.lastVitals.script);
      const now = clock.now();
      const { sample, note } = sampler.absorb(req, reading, workers, now);
      this.watch.sample(sample, note, now);
      return now - t0;
    } catch (e) {
      if (!session.alive) return null;
      sampler.failed(clock.now());
      this.watch.sample(null, `vitals unavailable: ${(e as Error).message}`, clock.now());
      return e as Error;
    }
  }

  /**
   * One reading: through the follower when it takes requests (no process started on the host), else by
   * the vitals script. A follower that ended meanwhile, or whose answer cannot be read, leaves the
   * reading to the script at once; one that does not answer in time is the host's silence, as the
   * script's would be.
   */
  private async readVitals(session: SshSession, req: VitalsRequest, script: string): Promise<VitalsReading> {
    const courier = this.follower.vitalsCourier();
    if (courier) {
      try {
        const reading = await runVitalsViaFollower(session, courier, req, VITALS_TIMEOUT_MS);
        if (reading.error === null) {
          this.vitalsRead.follower++;
          return reading;
        }
        this.follower.vitalsRefused();
      } catch (e) {
        if (e instanceof FollowerCannotAsk) this.follower.vitalsRefused();
        else if (this.follower.vitalsCourier() !== null || !session.alive) throw e;
      }
    }
    this.vitalsRead.script++;
    return runVitals(session, req, script, VITALS_TIMEOUT_MS);
  }

  /**
   * For a one-pass `vigil status`: vitals until every part has answered (the page size, the patterns'
   * processes, a GPU query, or its timeout: a hung nvidia-smi is a finding), each run within its budget.
   */
  async settleVitals(deadline: number): Promise<void> {
    const session = this.session;
    const sampler = this.sampler;
    if (!sampler || !session?.alive) return;
    for (let pass = 0; pass < 20 && this.opts.clock.now() < deadline && session.alive; pass++) {
      sampler.forceDue();
      await this.runVitals(session, sampler.gpuRunning());
      if (!sampler.pending()) break;
      await new Promise((r) => setTimeout(r, sampler.gpuRunning() ? 500 : 50));
    }
  }

  resourcesOf(worker: string): WorkerResources | undefined {
    return this.sampler ? this.watch.resourcesOf(worker) : undefined;
  }

  hostSnapshot(now: number): HostSnapshot {
    return this.watch.snapshot(
      { name: this.cfg.name, connection: this.connection, lastContactAt: this.lastContactAt },
      now,
      !this.sampler,
    );
  }

  /** Looks up, once per missing path, the nearest one that exists (a misspelt `dir` or file name). */
  private async explainMissing(session: SshSession): Promise<void> {
    for (const w of this.workers) {
      for (const missing of w.pathsToExplain()) {
        // Looked up again at a later answer when the host did not answer this time.
        await session.run(nearestPathScript(missing), { timeoutMs: this.opts.probeTimeoutMs ?? 20_000 }).then(
          (r) => w.explainPath(missing, nearestPath(missing, r.stdout)),
          () => undefined,
        );
      }
    }
  }

  stop(): void {
    this.stopped = true;
    void this.follower.stop(null);
    this.onStop();
    this.session?.close();
    this.session = null;
  }
}
