// One SSH connection per host, shared by its workers. At most one connect in flight; failures back
// off exponentially with jitter; a changed host key stops all attempts until the user acts. Each tick
// runs one probe in the control shell and feeds every worker; one worker's trouble stays its own.

import type { ConnectionState } from '../../../shared/model';
import type { HostConfig } from '../config';
import { nearestPath, nearestPathScript } from '../files';
import type { Clock } from '../ports';
import { buildProbeScript, type ProbeRequest, type ProbeResult, runProbe } from '../remote';
import { type ResolvedHost, type SshConnector, SshError, type SshSession } from '../ssh';
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
  /** Called when an established connection is lost, so the owner can schedule the reconnect. */
  onLost?: () => void;
}

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 60_000;
/** Auth failures and unknown host keys need the user: retry rarely, in case they fixed it. */
const USER_ACTION_RETRY_MS = 5 * 60_000;
const CLOCK_EVERY_MS = 10 * 60_000;
const MIN_BYTES_PER_FILE = 256 << 10;

export class HostRuntime {
  connection: ConnectionState = 'unknown';
  reason: string | null = null;
  lastContactAt: number | null = null;
  clockOffsetMs = 0;
  /** Connection attempts made, for tests and the chaos table. */
  attempts = 0;
  private session: SshSession | null = null;
  private connecting: Promise<SshSession | null> | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private lastClockAt = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly maxBytes: number;
  private lastProbe: { key: string; script: string } | null = null;
  private readonly random: () => number;
  private onStop: () => void = () => {};
  /** Resolves (to no session) when stop() is called. */
  private readonly stoppedNow = new Promise<null>((resolve) => {
    this.onStop = () => resolve(null);
  });

  constructor(
    readonly cfg: HostConfig,
    readonly workers: WorkerMonitor[],
    private readonly opts: HostRuntimeOptions,
  ) {
    this.maxBytes = opts.maxBytesPerTick ?? 8 << 20;
    this.random = opts.random ?? Math.random;
  }

  view(): HostView {
    return {
      name: this.cfg.name,
      connection: this.connection,
      connectionReason: this.reason,
      lastContactAt: this.lastContactAt,
      clockOffsetMs: this.clockOffsetMs,
      // Beyond the keepalive bound plus a probe, what we last saw can no longer be trusted.
      contactStaleAfterMs: Math.max(
        60_000,
        this.cfg.keepaliveIntervalMs * (this.cfg.keepaliveCountMax + 1) +
          (this.opts.probeTimeoutMs ?? 20_000),
      ),
      contactOverdueAfterMs: Math.max(5000, 3 * (this.opts.pollMs ?? 1000)),
    };
  }

  /** When the next connect attempt may start (ms, local clock); 0 when connected or allowed now. */
  get retryAt(): number {
    return this.session?.alive ? 0 : this.nextAttemptAt;
  }

  private setState(state: ConnectionState, reason: string | null): void {
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

  probeRequest(home: string): ProbeRequest {
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
      (p.metricsIsGlob ? globs : files).push(p.metrics);
      if (p.log) files.push(p.log);
      if (p.pidFile) pidFiles.push(p.pidFile);
      if (w.pattern !== null && !patterns.includes(w.pattern)) patterns.push(w.pattern);
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
    const req = this.probeRequest(session.home);
    const clock = this.opts.clock;
    const t0 = clock.now();
    let probe: ProbeResult;
    try {
      probe = await runProbe(session, req, this.probeScript(req), this.opts.probeTimeoutMs ?? 20_000);
    } catch (e) {
      if (session.alive)
        this.setState('degraded', `the remote shell did not answer: ${(e as Error).message}`);
      return { more: false, contacted: false };
    }
    const t1 = clock.now();
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
    this.lastContactAt = t1;
    // Until each worker has read what this answer shows, a recovery is not told (with old values).
    for (const w of this.workers) w.catchingUp = true;
    const slow = t1 - t0 > (this.opts.degradedAfterMs ?? 5000);
    this.setState(slow ? 'degraded' : 'ok', slow ? `a probe took ${((t1 - t0) / 1000).toFixed(1)} s` : null);
    const read = (p: string, offset: number, len: number, inode?: number) =>
      session.read(p, offset, len, inode);
    // Every worker at once: their read requests leave in one TCP write and their replies come back
    // together, one round trip per poll instead of one per file. The byte cap is shared so a catch-up of
    // many files at once still holds at most maxBytes (or 256 KiB per file) in memory.
    const share = Math.floor(this.maxBytes / Math.max(1, this.workers.length));
    const perFile = Math.min(this.maxBytes, Math.max(MIN_BYTES_PER_FILE, share));
    const updated = await Promise.all(
      this.workers.map(async (w) => {
        try {
          const more = await w.update(probe, session.home, read, perFile);
          w.progressCheckedAt = t1;
          w.catchingUp = more;
          return more;
        } catch (e) {
          w.catchingUp = false;
          if (e instanceof SshError && e.kind === 'lost') return false; // the host's state says it
          const err = e as Error;
          w.fileError = err.name === 'RemotePathError' ? err.message : `unexpected error: ${err.message}`;
          return false;
        }
      }),
    );
    await this.explainMissing(session);
    return { more: updated.includes(true), contacted: true };
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
    this.onStop();
    this.session?.close();
    this.session = null;
  }
}
