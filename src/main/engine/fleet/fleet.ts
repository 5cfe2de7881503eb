// The monitoring engine's top: one HostRuntime per host, one WorkerMonitor per worker, a loop per
// host while watching, a single catch-up pass for `vigil status`. Emits snapshots and alert notices.

import type { ResourceHistory } from '../../../shared/contract';
import type { FleetSnapshot, SyncRuleState, WorkerSnapshot } from '../../../shared/model';
import { NO_RESOURCES } from '../../../shared/schemas';
import { type VigilConfig, workerFolders } from '../config';
import { type AlertNotice, type AlertState, initialAlertState, stepAlerts } from '../judge';
import type { Clock, TimerHandle } from '../ports';
import type { ResolvedHost, SshConnector } from '../ssh';
import { AlertMemory, episodeChanged } from './alert-memory';
import { HostRuntime } from './host-runtime';
import { peerRates } from './peers';
import { sameValue } from './same-value';
import { WorkerMonitor } from './worker-monitor';

export interface FleetAlert extends AlertNotice {
  worker: string;
  at: number;
  /** The notice's key prefixed with the worker: unique across the fleet ("I3D/stalled-lq2x9k:stalled"). */
  key: string;
  /** Every worker a host alert concerns (a warning, a return after a silence). */
  workers?: string[];
  host?: string;
}

export interface FleetOptions {
  config: VigilConfig;
  dataDir: string;
  connector: SshConnector;
  clock: Clock;
  resolveHost: (config: VigilConfig, hostName: string) => Promise<ResolvedHost>;
  random?: () => number;
  maxBytesPerTick?: number;
  probeTimeoutMs?: number;
  /** How often health is re-evaluated while watching (statuses age even when nothing arrives). */
  evaluateEveryMs?: number;
  flapWindowMs?: number;
  /** Records each worker holds in memory for its charts (default: RECORDS_HELD in record-store.ts). */
  recordsHeldPerWorker?: number;
  /** The state of each worker's sync rules, for the snapshot. */
  syncStates?: (worker: string) => SyncRuleState[];
  /** A data folder whose saved paces to use when dataDir has none (see WorkerMonitor). */
  paceFrom?: string;
  /** Where the hosts' vitals history is kept (default: the data folder, written). */
  vitalsHistory?: { dir: string; readOnly: boolean };
  /** Test port only: a fixture /proc and /sys read by the vitals script instead of the host's own. */
  vitalsRoots?: { procRoot: string; sysRoot: string };
}

type Listener<T> = (value: T) => void;

/**
 * Hosts poll on shared beats, not each a poll interval after its own last answer: answers then arrive
 * together and the process wakes up once for several hosts instead of once per host. Waking up was a
 * third of the engine's CPU with 50 hosts, most of it the kernel's (epoll waits, context switches); on a
 * laptop it is battery. A beat holds at most HOSTS_PER_BEAT hosts and the beats spread evenly over the
 * interval, so one beat's work stays short: 50 hosts on a single beat held the event loop ~50 ms.
 */
export const HOSTS_PER_BEAT = 8;

/** Where in the poll interval the host at `index` of `count` polls (ms after each multiple of `every`). */
export function beatPhase(index: number, count: number, every: number): number {
  const beats = Math.max(1, Math.ceil(count / HOSTS_PER_BEAT));
  return Math.floor(((index % beats) * every) / beats);
}

/**
 * When the poll after one that started at `startedAt` and ended at `now` runs: the first beat (at `phase`
 * of every `every` ms) at least 3/4 of an interval after the start, and after `now`. A poll on its beat
 * is followed by the next beat, even when its timer fired a little late; a poll off the beat (the first,
 * a catch-up after sleep, a reconnect) is not followed by a second one a moment later but by a beat 3/4
 * to 7/4 of an interval on; a poll that took longer than that is followed by the next beat.
 */
export function nextBeatAt(startedAt: number, now: number, every: number, phase: number): number {
  const from = Math.max(startedAt + Math.ceil((3 * every) / 4), now + 1);
  return Math.ceil((from - phase) / every) * every + phase;
}

/** The shortest gap between two evaluations triggered by ticks (a UI does not need more than 10 a second). */
const EVALUATE_GAP_MS = 100;

export class Fleet {
  readonly hosts: HostRuntime[] = [];
  readonly monitors: WorkerMonitor[] = [];
  private readonly hostOf = new Map<WorkerMonitor, HostRuntime>();
  private readonly alertState = new Map<string, AlertState>();
  /** The slowdown episode each worker was last told of (one notice per episode). */
  private readonly slowdownTold = new Map<string, number>();
  private alertMemory: AlertMemory | null = null;
  private readonly snoozes = new Map<string | null, number>();
  private readonly timers = new Map<HostRuntime, TimerHandle>();
  private readonly running = new Set<HostRuntime>();
  private idleWaiters: (() => void)[] = [];
  private evalTimer: TimerHandle | null = null;
  private evalSoon: TimerHandle | null = null;
  private lastEvalAt: number | null = null;
  /**
   * Workers to evaluate at the next evaluation: those of hosts whose tick ended, and those a follower
   * brought bytes for (not their host's others: 50 streaming hosts made that 3 times the work).
   */
  private answered = new Set<WorkerMonitor>();
  /** Each host's index, which gives its place in its tick interval (see beatPhase). */
  private readonly indexOf = new Map<HostRuntime, number>();
  /** Each worker's latest snapshot. */
  private readonly latest = new Map<WorkerMonitor, WorkerSnapshot>();
  private watching = false;
  private readonly snapshotListeners = new Set<Listener<FleetSnapshot>>();
  private readonly alertListeners = new Set<Listener<FleetAlert>>();

  private constructor(private readonly opts: FleetOptions) {
    const { config } = opts;
    const folders = workerFolders(config.workers.map((w) => w.name));
    for (const hostCfg of Object.values(config.hosts)) {
      const workers = config.workers
        .filter((w) => w.host === hostCfg.name)
        .map(
          (w) =>
            new WorkerMonitor(
              w,
              opts.dataDir,
              opts.recordsHeldPerWorker,
              opts.clock,
              opts.paceFrom ?? null,
              folders.get(w.name),
            ),
        );
      if (workers.length === 0) continue;
      const host = new HostRuntime(hostCfg, workers, {
        connector: opts.connector,
        clock: opts.clock,
        resolve: () => opts.resolveHost(config, hostCfg.name),
        random: opts.random,
        maxBytesPerTick: opts.maxBytesPerTick,
        probeTimeoutMs: opts.probeTimeoutMs,
        pollMs: config.pollMs,
        // A change of the host's state is shown at once, by evaluating its own workers: the whole fleet
        // each time cost 50 full evaluations when 50 hosts reconnected.
        onChange: () => this.evaluateWorkers(workers),
        onLost: () => this.rescheduleSoon(host),
        onData: (changed) => {
          for (const w of changed) this.answered.add(w);
          this.evaluateSoon();
        },
        vitalsHistory: opts.vitalsHistory ?? { dir: opts.dataDir, readOnly: false },
        vitalsRoots: opts.vitalsRoots,
        statusOf: (name) => {
          const m = this.monitors.find((w) => w.cfg.name === name);
          return m ? this.latest.get(m)?.status : undefined;
        },
        onHostAlert: (a) => this.hostAlert(hostCfg.name, a),
      });
      this.hosts.push(host);
      for (const w of workers) {
        this.monitors.push(w);
        this.hostOf.set(w, host);
      }
    }
    for (const [i, h] of this.hosts.entries()) this.indexOf.set(h, i);
    // Keep the config's order for display.
    const order = new Map(config.workers.map((w, i) => [w, i]));
    this.monitors.sort((a, b) => order.get(a.cfg)! - order.get(b.cfg)!);
  }

  /** Builds the fleet and replays every mirror, so last known values show at once. */
  static async create(opts: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(opts);
    await Promise.all([...fleet.monitors.map((m) => m.restore()), ...fleet.hosts.map((h) => h.restore())]);
    fleet.alertMemory = await AlertMemory.load(
      opts.dataDir,
      fleet.monitors.map((m) => m.cfg.name),
    );
    for (const [name, state] of fleet.alertMemory.restored) fleet.alertState.set(name, state);
    return fleet;
  }

  onSnapshot(fn: Listener<FleetSnapshot>): () => void {
    this.snapshotListeners.add(fn);
    return () => this.snapshotListeners.delete(fn);
  }

  onAlert(fn: Listener<FleetAlert>): () => void {
    this.alertListeners.add(fn);
    return () => this.alertListeners.delete(fn);
  }

  /** A worker's RSS, CPU and GPU memory over the last `sinceMs`, from its host's vitals history. */
  resourceHistory(name: string, sinceMs: number): ResourceHistory {
    const m = this.worker(name);
    if (!m) throw new Error(`no worker named "${name}"`);
    const host = this.hostOf.get(m)!;
    const samples = host.watch.history?.recent(this.opts.clock.now() - sinceMs) ?? [];
    return {
      worker: name,
      host: host.cfg.name,
      points: samples.map((s) => ({ t: s.t, ...(s.workers[name] ?? NO_RESOURCES) })),
      memTotalBytes: host.watch.last?.vitals.memTotalBytes ?? null,
    };
  }

  worker(name: string): WorkerMonitor | undefined {
    return this.monitors.find((m) => m.cfg.name === name);
  }

  snapshot(now = this.opts.clock.now()): FleetSnapshot {
    for (const m of this.monitors) this.snapshotOf(m, now);
    return this.composed(now);
  }

  /**
   * Computes one worker's snapshot and keeps it as its latest. One that says what the latest said is not
   * kept: the latest object stays, so listeners see by identity that this worker did not change.
   */
  private snapshotOf(m: WorkerMonitor, now: number): WorkerSnapshot {
    const host = this.hostOf.get(m)!;
    const s = m.snapshot(host.view(), now);
    s.sync = this.opts.syncStates?.(m.cfg.name) ?? [];
    const resources = host.resourcesOf(m.cfg.name);
    if (resources) s.resources = resources;
    const prev = this.latest.get(m);
    if (prev && sameValue(prev, s)) return prev;
    this.latest.set(m, s);
    return s;
  }

  /** Every worker's latest snapshot, in display order (an unchanged worker keeps its object). */
  private composed(now: number): FleetSnapshot {
    const workers = this.monitors.map((m) => this.latest.get(m) ?? this.snapshotOf(m, now));
    const hosts = this.hosts.map((h) => h.hostSnapshot(now));
    return { generatedAt: new Date(now).toISOString(), workers, hosts, configError: null };
  }

  /**
   * One pass for `vigil status`: every host at once, each connected (within its connect bound),
   * probed, and read until caught up or the budget is spent.
   */
  async runOnce(budgetMs = 60_000): Promise<FleetSnapshot> {
    const deadline = this.opts.clock.now() + budgetMs;
    await Promise.all(
      this.hosts.map(async (host) => {
        for (;;) {
          const { more } = await host.tick();
          if (!more || this.opts.clock.now() >= deadline) break;
        }
        await host.settleVitals(Math.min(deadline, this.opts.clock.now() + 10_000));
        host.stop();
      }),
    );
    await Promise.all(this.monitors.map((m) => m.close().catch(() => {})));
    await Promise.all(this.hosts.map((h) => h.watch.flush()));
    return this.snapshot();
  }

  /** A host's warning or return summary: one alert naming its workers, unless all of them are snoozed. */
  private hostAlert(host: string, a: { kind: 'warning' | 'back'; message: string; workers: string[] }): void {
    const now = this.opts.clock.now();
    const workers =
      a.workers.length > 0
        ? a.workers
        : this.monitors.filter((m) => m.cfg.host === host).map((m) => m.cfg.name);
    const all = this.snoozes.get(null) ?? 0;
    const awake = workers.filter((w) => now >= Math.max(all, this.snoozes.get(w) ?? 0));
    if (awake.length === 0) return;
    const first = this.monitors.find((m) => m.cfg.name === workers[0]);
    const status = (first && this.latest.get(first)?.status) ?? 'unknown';
    const alert: FleetAlert = {
      kind: a.kind,
      status,
      message: a.message,
      worker: workers[0]!,
      workers,
      host,
      at: now,
      // Host notices are one-offs (each warning episode and each return is told once): their time is their id.
      key: `${host}/${a.kind}-${now.toString(36)}`,
    };
    for (const fn of this.alertListeners) fn(alert);
  }

  /** Starts watching: a loop per host and a health evaluator. */
  start(): void {
    if (this.watching) return;
    this.watching = true;
    for (const host of this.hosts) {
      host.enableFollow();
      this.loop(host);
    }
    this.scheduleEvaluate();
  }

  /** Polls every host now (after a resume from sleep, or on demand). */
  pollNow(): void {
    if (!this.watching) return;
    for (const host of this.hosts) {
      if (this.running.has(host)) continue;
      this.timers.get(host)?.cancel();
      this.loop(host);
    }
  }

  /** A lost connection reconnects on its backoff schedule, not at the next poll. */
  private rescheduleSoon(host: HostRuntime): void {
    if (!this.watching || this.running.has(host)) return;
    this.timers.get(host)?.cancel();
    const delay = Math.max(0, host.retryAt - this.opts.clock.now());
    this.timers.set(
      host,
      this.opts.clock.setTimeout(() => this.loop(host), delay),
    );
  }

  private loop(host: HostRuntime): void {
    if (!this.watching) return;
    this.running.add(host);
    const startedAt = this.opts.clock.now();
    host
      .tick()
      .catch(() => ({ more: false, contacted: false }))
      .then(({ more }) => {
        this.running.delete(host);
        if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
        if (!this.watching) return;
        for (const m of host.workers) this.answered.add(m);
        this.evaluateSoon();
        const now = this.opts.clock.now();
        const retryAt = host.retryAt;
        if (retryAt === Number.POSITIVE_INFINITY) return; // needs the user (host key changed)
        const delay = more ? 0 : retryAt > now ? retryAt - now : this.nextPollAt(host, startedAt, now) - now;
        this.timers.set(
          host,
          this.opts.clock.setTimeout(() => this.loop(host), delay),
        );
      });
  }

  private nextPollAt(host: HostRuntime, startedAt: number, now: number): number {
    // While a follower streams, the interval is the liveness cadence: the beats spread over it, so the
    // hosts' 10 s ticks do not all come in the same second.
    const every = host.tickEveryMs;
    return nextBeatAt(
      startedAt,
      now,
      every,
      beatPhase(this.indexOf.get(host) ?? 0, this.hosts.length, every),
    );
  }

  /** Resolves when no host is in the middle of a tick (tests, and a clean stop). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Evaluates the workers that were answered for since the last evaluation, at most once per
   * EVALUATE_GAP_MS: with many hosts ticks end all the time, and evaluating every worker after each
   * (snapshot, alerts, listeners) was most of the engine's time with 200 workers. The others keep their
   * latest snapshot; the timer's full evaluation (every evaluateEveryMs) ages them all.
   */
  private evaluateSoon(): void {
    if (this.evalSoon) return;
    const wait = this.lastEvalAt === null ? 0 : this.lastEvalAt + EVALUATE_GAP_MS - this.opts.clock.now();
    if (wait <= 0) {
      this.evaluateAnswered();
      return;
    }
    this.evalSoon = this.opts.clock.setTimeout(() => {
      this.evalSoon = null;
      if (this.watching) this.evaluateAnswered();
    }, wait);
  }

  private evaluateAnswered(): void {
    const which = this.answered;
    this.answered = new Set();
    // In display order, as a full evaluation goes.
    this.evaluateWorkers(this.monitors.filter((m) => which.has(m)));
  }

  private scheduleEvaluate(): void {
    const every = this.opts.evaluateEveryMs ?? 1000;
    this.evalTimer = this.opts.clock.setTimeout(() => {
      if (!this.watching) return;
      const now = this.opts.clock.now();
      // A gap far beyond the timer means the laptop slept: look at every host at once.
      if (this.lastEvalAt !== null && now - this.lastEvalAt > Math.max(3 * every, 30_000)) this.pollNow();
      this.evaluate();
      this.scheduleEvaluate();
    }, every);
  }

  snooze(worker: string | null, durationMs: number): void {
    this.snoozes.set(worker, this.opts.clock.now() + durationMs);
  }

  /** Recomputes every worker's health, steps alert episodes, tells listeners. */
  evaluate(): FleetSnapshot {
    this.answered.clear();
    return this.evaluateWorkers(this.monitors);
  }

  /** Recomputes these workers' health and steps their alert episodes; tells listeners of the whole fleet. */
  private evaluateWorkers(which: WorkerMonitor[]): FleetSnapshot {
    const now = this.opts.clock.now();
    this.lastEvalAt = now;
    const all = this.snoozes.get(null) ?? null;
    let changed = false;
    this.comparePeers();
    for (const m of which) {
      const w = this.snapshotOf(m, now);
      const own = this.snoozes.get(w.name) ?? null;
      const snoozedUntil = all === null ? own : own === null ? all : Math.max(all, own);
      const prev = this.alertState.get(w.name) ?? initialAlertState;
      const { state, notices } = stepAlerts(
        prev,
        w.status,
        w.reason,
        now,
        {
          repeatMs: this.opts.config.repeatAlertsMs,
          flapWindowMs: this.opts.flapWindowMs ?? 10 * 60_000,
          snoozedUntil,
        },
        {
          records: w.records,
          settled: !m.catchingUp,
          lastContactAt: w.lastContactAt === null ? null : Date.parse(w.lastContactAt),
          where: m.where(),
        },
      );
      this.alertState.set(w.name, state);
      if (episodeChanged(prev, state)) changed = true;
      for (const n of notices) {
        // The end of a silence is told once for the host, with what happened meanwhile (HostWatch).
        if (
          n.kind === 'recovered' &&
          prev.open === 'unreachable' &&
          this.hostOf.get(m)?.watch.tellsReturn(now)
        )
          continue;
        for (const fn of this.alertListeners)
          fn({ ...n, worker: w.name, at: now, key: `${w.name}/${n.key}` });
      }
      this.tellSlowdown(m, w, now, snoozedUntil);
    }
    if (changed) this.alertMemory?.save(() => this.alertState);
    const snap = this.composed(now);
    for (const fn of this.snapshotListeners) fn(snap);
    return snap;
  }

  /** Each worker's peers' pace as of their latest snapshots (fleet/peers.ts). */
  private comparePeers(): void {
    const rates = peerRates(
      this.monitors.map((m) => ({
        name: m.cfg.name,
        host: m.cfg.host,
        running: this.latest.get(m)?.status === 'running',
        ...m.lastPace,
      })),
    );
    for (const m of this.monitors) m.peerRates = rates.get(m.cfg.name) ?? [];
  }

  /** A new slowdown episode is told once ("SlowFast is 2.3× slower than in the last hour"). */
  private tellSlowdown(m: WorkerMonitor, w: WorkerSnapshot, now: number, snoozedUntil: number | null): void {
    const episode = m.slowdown?.episodes ?? 0;
    if (!w.slowdown || episode <= (this.slowdownTold.get(w.name) ?? 0)) return;
    this.slowdownTold.set(w.name, episode);
    if (snoozedUntil !== null && now < snoozedUntil) return;
    const since = Date.parse(w.slowdown.since);
    const alert: FleetAlert = {
      kind: 'slowdown',
      status: w.status,
      message: `${w.name} is ${w.slowdown.text}`,
      worker: w.name,
      at: now,
      key: `${w.name}/slowdown-${since.toString(36)}:slowdown`,
    };
    for (const fn of this.alertListeners) fn(alert);
  }

  async stop(): Promise<void> {
    this.watching = false;
    const idle = this.whenIdle();
    this.evalTimer?.cancel();
    this.evalSoon?.cancel();
    this.evalSoon = null;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const h of this.hosts) h.stop();
    await idle;
    await Promise.all(this.monitors.map((m) => m.close().catch(() => {})));
    await this.alertMemory?.flushed();
    await Promise.all(this.hosts.map((h) => h.watch.flush()));
  }
}
