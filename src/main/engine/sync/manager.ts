// Schedules every worker's sync rules: on their `every`, when a run finishes, at the first sign of
// trouble, and on demand. One rsync per host at a time (a struggling host gets one transfer, not four);
// a trigger for a rule that is already queued joins that run, one that arrives while it runs asks for at
// most one follow-up. Time, host resolution and the rsync itself come in through ports.
//
// Every run reports through progress events: 'queued', 'running' (with the transfer's progress), then
// one that says how it ended ('ok', 'warning' or 'error', with the message). So a "Sync now" can answer
// at once and the UI still learns the outcome of a transfer that takes an hour.

import type { ProgressEvent, SyncPhase } from '../../../shared/contract';
import type { WorkerStatus } from '../../../shared/model';
import type { VigilConfig, WorkerConfig } from '../config';
import { resolveHost as defaultResolveHost, workerFolders } from '../config';
import { type Clock, systemClock, type TimerHandle } from '../ports';
import type { ResolvedHost } from '../ssh';
import type { SyncFailure, SyncSeverity } from './exit-codes';
import { closeControlMaster, createRuleRunner, type RuleResult, type RuleRunner } from './job';
import { destinationOf } from './rsync-args';

export type SyncReason = 'schedule' | 'finish' | 'stall' | 'manual';

export type SyncHistory = Record<
  string,
  { to: string; last: RuleResult; lastSyncAt: number | null; lastOkAt: number | null }
>;

/** One rule's state, for the snapshot and `vigil status --json`. */
export interface SyncRuleSnapshot {
  /** Local destination folder. */
  to: string;
  /** The remote path as configured. */
  from: string;
  /** When the last run ended (its result is `result`). */
  lastSyncAt: string | null;
  /** When a run last succeeded (warnings included). */
  lastOkAt: string | null;
  /** "ok", "warning: …", or the reason it failed; null before the first run. */
  result: string | null;
  severity: SyncSeverity | null;
  failure: SyncFailure | null;
  /** Bytes received by the last run. */
  bytes: number;
  state: 'idle' | 'queued' | 'running';
  /** The running transfer's latest progress. */
  progress: ProgressEvent | null;
}

export interface SyncManagerOptions {
  config: VigilConfig;
  dataDir: string;
  clock?: Clock;
  resolveHost?: (config: VigilConfig, hostName: string) => Promise<ResolvedHost>;
  runRule?: RuleRunner;
  /** Watchdog: a transfer that moves nothing for this long is ended (default 2 min). */
  noProgressMs?: number;
  /** Share one OpenSSH connection per host (default true). */
  controlMaster?: boolean;
  /** First scheduled run after start: min(every, this) (default 30 s). */
  initialDelayMs?: number;
  /** Ends the shared connection of a host on stop() (default: the real one). */
  closeHost?: (hostName: string, host: ResolvedHost) => Promise<void>;
}

type Listener<T> = (value: T) => void;

interface Waiter {
  resolve: (r: RuleResult) => void;
}

interface RuleEntry {
  key: string;
  worker: WorkerConfig;
  index: number;
  to: string;
  state: 'idle' | 'queued' | 'running';
  /** Waiters of the queued (or running) run. */
  waiters: Waiter[];
  /** A trigger arrived while running: one more run after this one, with these waiters. */
  followUp: Waiter[] | null;
  timer: TimerHandle | null;
  abort: AbortController | null;
  last: RuleResult | null;
  lastSyncAt: number | null;
  lastOkAt: number | null;
  progress: ProgressEvent | null;
}

type Episode = 'finish' | 'trouble' | null;

const TROUBLE: readonly WorkerStatus[] = ['stalled', 'unreachable', 'failed', 'diverged'];

export class SyncManager {
  private readonly clock: Clock;
  private readonly rules = new Map<string, RuleEntry[]>();
  private readonly queues = new Map<string, RuleEntry[]>();
  private readonly busyHosts = new Set<string>();
  private readonly episodes = new Map<string, Episode>();
  private readonly resolved = new Map<string, ResolvedHost>();
  private readonly progressListeners = new Set<Listener<ProgressEvent>>();
  private readonly stateListeners = new Set<Listener<{ worker: string; sync: SyncRuleSnapshot[] }>>();
  private readonly running = new Set<Promise<void>>();
  private readonly resolveHost: (config: VigilConfig, hostName: string) => Promise<ResolvedHost>;
  private readonly runRule: RuleRunner;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: SyncManagerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.resolveHost = opts.resolveHost ?? ((cfg, name) => defaultResolveHost(cfg, name));
    this.runRule = opts.runRule ?? createRuleRunner();
    const folders = workerFolders(opts.config.workers.map((w) => w.name));
    for (const worker of opts.config.workers) {
      this.rules.set(
        worker.name,
        worker.sync.map((rule, index) => ({
          key: `${worker.name}#${index}`,
          worker,
          index,
          to: destinationOf(rule, worker.name, opts.dataDir, folders.get(worker.name)),
          state: 'idle',
          waiters: [],
          followUp: null,
          timer: null,
          abort: null,
          last: null,
          lastSyncAt: null,
          lastOkAt: null,
          progress: null,
        })),
      );
    }
  }

  /** Arms the `every` schedules. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const entries of this.rules.values()) {
      for (const e of entries) {
        const every = this.ruleOf(e).everyMs;
        if (every !== undefined) this.schedule(e, Math.min(every, this.opts.initialDelayMs ?? 30_000));
      }
    }
  }

  /** Stops the schedules, ends running transfers and closes the shared connections. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const entries of this.rules.values()) {
      for (const e of entries) {
        e.timer?.cancel();
        e.timer = null;
        e.abort?.abort();
      }
    }
    for (const q of this.queues.values()) {
      for (const e of q.splice(0)) {
        e.state = 'idle';
        this.settle(e, e.waiters.splice(0), stoppedResult());
      }
    }
    await Promise.allSettled([...this.running]);
    const close =
      this.opts.closeHost ??
      ((name: string, host: ResolvedHost) =>
        closeControlMaster(this.opts.config, name, host, this.opts.dataDir));
    if (this.opts.controlMaster !== false) {
      await Promise.allSettled([...this.resolved].map(([name, host]) => close(name, host)));
    }
  }

  /**
   * Runs the worker's rules that apply to the reason (finish → onFinish rules, stall → onStall rules,
   * manual and schedule → all). Resolves with each triggered rule's result, in rule order, when the
   * runs that cover this trigger have ended. Throws for an unknown worker.
   */
  trigger(worker: string, reason: SyncReason): Promise<{ to: string; result: RuleResult }[]> {
    const entries = this.rules.get(worker);
    if (!entries) throw new Error(`unknown worker "${worker}"`);
    const chosen = entries.filter((e) => {
      const rule = this.ruleOf(e);
      if (reason === 'finish') return rule.onFinish;
      if (reason === 'stall') return rule.onStall;
      return true;
    });
    return Promise.all(chosen.map(async (e) => ({ to: e.to, result: await this.request(e) })));
  }

  /**
   * Tells the manager a worker's status. The transition into `finished` triggers the onFinish rules,
   * the transition into stalled / unreachable / failed the onStall rules — once per episode: not again
   * until the worker is back to running (or moves to the other episode).
   */
  noteStatus(worker: string, status: WorkerStatus): void {
    if (!this.rules.has(worker)) return;
    const prev = this.episodes.get(worker) ?? null;
    let next: Episode = prev;
    if (status === 'finished') next = 'finish';
    else if (TROUBLE.includes(status)) next = 'trouble';
    else if (status === 'running') next = null;
    this.episodes.set(worker, next);
    if (next !== null && next !== prev && !this.stopped) {
      void this.trigger(worker, next === 'finish' ? 'finish' : 'stall');
    }
  }

  /** Every rule's state for one worker, in config order ([] for an unknown worker). */
  states(worker: string): SyncRuleSnapshot[] {
    return (this.rules.get(worker) ?? []).map((e) => this.snapshotOf(e));
  }

  onProgress(fn: Listener<ProgressEvent>): () => void {
    this.progressListeners.add(fn);
    return () => this.progressListeners.delete(fn);
  }

  /** Called whenever a worker's rule states change (queued, started, progress excluded, ended). */
  onState(fn: Listener<{ worker: string; sync: SyncRuleSnapshot[] }>): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** What to keep across restarts: each rule's last result and times, by rule key. */
  history(): SyncHistory {
    const out: SyncHistory = {};
    for (const entries of this.rules.values()) {
      for (const e of entries) {
        if (e.last !== null)
          out[e.key] = { to: e.to, last: e.last, lastSyncAt: e.lastSyncAt, lastOkAt: e.lastOkAt };
      }
    }
    return out;
  }

  /** Restores what history() kept (a rule whose destination changed starts afresh). */
  restoreHistory(h: SyncHistory): void {
    for (const entries of this.rules.values()) {
      for (const e of entries) {
        const kept = h[e.key];
        if (!kept || kept.to !== e.to || e.last !== null) continue;
        e.last = kept.last;
        e.lastSyncAt = kept.lastSyncAt;
        e.lastOkAt = kept.lastOkAt;
      }
    }
  }

  private ruleOf(e: RuleEntry) {
    return e.worker.sync[e.index]!;
  }

  private snapshotOf(e: RuleEntry): SyncRuleSnapshot {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const r = e.last;
    return {
      to: e.to,
      from: this.ruleOf(e).from,
      lastSyncAt: iso(e.lastSyncAt),
      lastOkAt: iso(e.lastOkAt),
      result: r === null ? null : r.severity === 'warning' ? `warning: ${r.message}` : r.message,
      severity: r?.severity ?? null,
      failure: r?.failure ?? null,
      bytes: r?.bytes ?? 0,
      state: e.state,
      progress: e.progress,
    };
  }

  private changed(worker: string): void {
    const sync = this.states(worker);
    for (const fn of this.stateListeners) fn({ worker, sync });
  }

  private request(e: RuleEntry): Promise<RuleResult> {
    if (this.stopped) return Promise.resolve(stoppedResult());
    return new Promise((resolve) => {
      const waiter = { resolve };
      if (e.state === 'queued') {
        e.waiters.push(waiter); // joins the run that has not started yet
      } else if (e.state === 'running') {
        e.followUp ??= [];
        e.followUp.push(waiter); // at most one run after this one
      } else {
        e.waiters.push(waiter);
        this.enqueue(e);
      }
    });
  }

  private enqueue(e: RuleEntry): void {
    e.state = 'queued';
    e.timer?.cancel();
    e.timer = null;
    const host = e.worker.host;
    const q = this.queues.get(host) ?? [];
    q.push(e);
    this.queues.set(host, q);
    this.changed(e.worker.name);
    this.report(e, 'queued');
    this.pump(host);
  }

  private pump(host: string): void {
    if (this.busyHosts.has(host) || this.stopped) return;
    const e = this.queues.get(host)?.shift();
    if (!e) return;
    this.busyHosts.add(host);
    const p = this.runEntry(e).finally(() => {
      this.running.delete(p);
      this.busyHosts.delete(host);
      this.pump(host);
    });
    this.running.add(p);
  }

  private async runEntry(e: RuleEntry): Promise<void> {
    e.state = 'running';
    e.abort = new AbortController();
    e.progress = null;
    this.changed(e.worker.name);
    this.report(e, 'running');
    let lastPercent = 0;
    let result: RuleResult;
    try {
      const host = await this.hostFor(e.worker.host);
      result = await this.runRule({
        config: this.opts.config,
        worker: e.worker,
        ruleIndex: e.index,
        host,
        dataDir: this.opts.dataDir,
        clock: this.clock,
        noProgressMs: this.opts.noProgressMs ?? 120_000,
        controlMaster: this.opts.controlMaster !== false,
        to: e.to,
        signal: e.abort.signal,
        onProgress: (p) => {
          const ev: ProgressEvent = {
            worker: e.worker.name,
            rule: e.to,
            bytes: p.bytes,
            percent: p.percent,
            rate: p.rate,
            eta: p.eta,
          };
          e.progress = ev;
          lastPercent = p.percent;
          this.emitProgress(ev);
        },
      });
    } catch (err) {
      // Host resolution failed (or the runner threw): a result like any other, and forget the host so
      // the next run resolves it again.
      this.resolved.delete(e.worker.host);
      result = {
        ok: false,
        severity: 'error',
        failure: 'internal',
        message: (err as Error).message,
        bytes: 0,
        durationMs: 0,
      };
    }
    const now = this.clock.now();
    const percentAtEnd = result.ok ? 100 : lastPercent;
    e.abort = null;
    e.last = result;
    e.lastSyncAt = now;
    if (result.ok) e.lastOkAt = now;
    e.progress = null;
    this.report(e, result.severity, { bytes: result.bytes, percent: percentAtEnd, message: result.message });
    const waiters = e.waiters.splice(0);
    if (e.followUp && !this.stopped) {
      e.waiters = e.followUp;
      e.followUp = null;
      this.settle(e, waiters, result);
      this.enqueue(e);
      return;
    }
    const late = e.followUp ?? [];
    e.followUp = null;
    e.state = 'idle';
    this.settle(e, [...waiters, ...late], result);
    const every = this.ruleOf(e).everyMs;
    if (every !== undefined && this.started && !this.stopped) this.schedule(e, every);
    this.changed(e.worker.name);
  }

  private emitProgress(ev: ProgressEvent): void {
    for (const fn of this.progressListeners) fn(ev);
  }

  /** A phase change of a rule's run, as a progress event. */
  private report(
    e: RuleEntry,
    phase: SyncPhase,
    end: { bytes: number; percent: number; message: string } | null = null,
  ): void {
    this.emitProgress({
      worker: e.worker.name,
      rule: e.to,
      phase,
      bytes: end?.bytes ?? 0,
      percent: end?.percent ?? 0,
      rate: 0,
      eta: phase === 'ok' ? 0 : null,
      ...(end ? { message: end.message } : {}),
    });
  }

  private settle(_e: RuleEntry, waiters: Waiter[], result: RuleResult): void {
    for (const w of waiters) w.resolve(result);
  }

  private schedule(e: RuleEntry, ms: number): void {
    e.timer?.cancel();
    e.timer = this.clock.setTimeout(() => {
      e.timer = null;
      if (e.state === 'idle') void this.request(e);
    }, ms);
  }

  private async hostFor(name: string): Promise<ResolvedHost> {
    const cached = this.resolved.get(name);
    if (cached) return cached;
    const host = await this.resolveHost(this.opts.config, name);
    this.resolved.set(name, host);
    return host;
  }
}

function stoppedResult(): RuleResult {
  return {
    ok: false,
    severity: 'error',
    failure: 'stopped',
    message: 'Vigil stopped',
    bytes: 0,
    durationMs: 0,
  };
}
