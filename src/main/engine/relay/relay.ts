// The relay: alerts to the configured targets through the durable outbox. An alert is on disk before
// its first delivery; each target has its own queue (oldest first, one request at a time), its own
// backoff and its own state, so a dead Slack never delays ntfy and nothing here ever blocks the engine.
// Everything shown (states, log lines) is redacted: no secret read for a request is ever repeated.

import type { AlertEvent } from '../../../shared/contract';
import { workerValuesJson } from '../../../shared/json-numbers';
import type { FleetSnapshot, RelayTargetState, WorkerSnapshot } from '../../../shared/model';
import type { NotifyTarget } from '../config';
import type { Clock, TimerHandle } from '../ports';
import { judgeCommand, judgeError, judgeHttp, RETRY, type Verdict } from './backoff';
import { spawnCommand } from './command';
import { nodeHttp } from './http';
import { Outbox } from './outbox';
import { buildDelivery } from './payloads';
import { takesAlert } from './routing';
import { defaultSecretSources, Redactor, readSecret, type SecretSources } from './secrets';
import { loadRelayState, RelayStateFile } from './state-file';
import type { AlertWorkerView, CommandPort, HttpPort, RelayAlert, RelayPorts } from './types';

export interface RelayOptions extends RelayPorts {
  dataDir: string;
  clock: Clock;
  /** Alerts the outbox keeps at most (default OUTBOX_MAX_ALERTS). */
  maxAlerts?: number;
  /** Deadline of one request or command (default RETRY.timeoutMs). */
  timeoutMs?: number;
}

interface TargetRun {
  failures: number;
  error: string | null;
  failingSince: number | null;
  retryAt: number | null;
  /** A receiver's Retry-After is in force until retryAt: a new alert or a wake-up does not cut it short. */
  asked: boolean;
  lastSentAt: number | null;
  timer: TimerHandle | null;
  busy: Promise<void> | null;
}

type Listener = () => void;

export class Relay {
  private targets: NotifyTarget[] = [];
  private readonly runs = new Map<string, TargetRun>();
  private readonly redactor = new Redactor();
  private readonly http: HttpPort;
  private readonly command: CommandPort;
  private readonly secrets: SecretSources;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly listeners = new Set<Listener>();
  private readonly stateFile: RelayStateFile;
  private stopped = false;
  private readonly timeoutMs: number;

  private constructor(
    private readonly opts: RelayOptions,
    private readonly outbox: Outbox,
    private readonly lastSent: Record<string, number>,
  ) {
    this.http = opts.http ?? nodeHttp;
    this.command = opts.command ?? spawnCommand;
    const fallback = defaultSecretSources();
    this.secrets = { env: opts.env ?? fallback.env, readFile: opts.readFile ?? fallback.readFile };
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? (() => {});
    this.stateFile = new RelayStateFile(opts.dataDir);
    this.timeoutMs = opts.timeoutMs ?? RETRY.timeoutMs;
  }

  /** Opens the outbox in the data folder (the caller holds the folder's lock). */
  static async open(opts: RelayOptions): Promise<Relay> {
    const outbox = Outbox.open(opts.dataDir, opts.maxAlerts);
    const saved = await loadRelayState(opts.dataDir);
    const lastSent: Record<string, number> = {};
    for (const t of saved?.targets ?? []) if (t.lastSentAt) lastSent[t.id] = Date.parse(t.lastSentAt);
    return new Relay(opts, outbox, lastSent);
  }

  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * The targets of a (re)loaded config. Deliveries owed to a target no longer listed are dropped (and
   * counted); the others resume where they were, also after a restart (ids are stable).
   */
  configure(targets: NotifyTarget[]): void {
    this.targets = targets;
    const ids = new Set(targets.map((t) => t.id));
    for (const e of this.outbox.entries())
      for (const id of e.pending) if (!ids.has(id)) this.outbox.drop(e.alert.key, id, 'target removed');
    for (const [id, run] of this.runs)
      if (!ids.has(id)) {
        run.timer?.cancel();
        this.runs.delete(id);
      }
    for (const t of targets) this.run(t.id);
    this.changed();
    for (const t of targets) this.pump(t);
  }

  /** Appends the alert to the outbox (fsynced) for every target that takes it, then starts delivering. */
  enqueue(alert: AlertEvent, snapshot: FleetSnapshot): void {
    if (this.stopped) return;
    const relayAlert = toRelayAlert(alert, snapshot);
    const status = snapshot.workers.find((w) => w.name === alert.worker)?.status ?? null;
    const chosen = this.targets.filter((t) => takesAlert(t.kinds, alert.kind, status));
    if (chosen.length === 0) return;
    const dropped = this.outbox.add(
      relayAlert,
      chosen.map((t) => t.id),
      this.opts.clock.now(),
    );
    for (const d of dropped)
      this.log(
        `the outbox is full: dropped the oldest alert (${d.alert.key}, ${d.alert.at}) for ${this.labels(d.pending)}`,
      );
    const now = this.opts.clock.now();
    for (const t of chosen) {
      // The network may be back: a new alert is a reason to try now, unless the receiver asked to wait.
      const run = this.run(t.id);
      if (run.retryAt !== null && !run.asked && run.retryAt > now) {
        run.timer?.cancel();
        run.timer = null;
        run.retryAt = now;
      }
      this.pump(t);
    }
    this.changed();
  }

  /** After a sleep or a long offline stretch: retry every target now (a Retry-After still holds). */
  wake(): void {
    const now = this.opts.clock.now();
    for (const t of this.targets) {
      const run = this.run(t.id);
      if (run.retryAt !== null && !run.asked) {
        run.timer?.cancel();
        run.timer = null;
        run.retryAt = now;
      }
      this.pump(t);
    }
  }

  states(): RelayTargetState[] {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const pending = new Map<string, number>();
    for (const e of this.outbox.entries())
      for (const id of e.pending) pending.set(id, (pending.get(id) ?? 0) + 1);
    const dropped = this.outbox.dropped();
    return this.targets.map((t) => {
      const run = this.run(t.id);
      return {
        id: t.id,
        label: t.label,
        state: run.error === null ? 'ok' : 'failing',
        error: run.error,
        failingSince: iso(run.failingSince),
        retryAt: run.error === null ? null : iso(run.retryAt),
        lastSentAt: iso(run.lastSentAt),
        pending: pending.get(t.id) ?? 0,
        dropped: dropped[t.id] ?? 0,
      };
    });
  }

  /** Resolves when no delivery is in flight (tests, the bench). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.runs.values()].map((r) => r.busy).filter((b) => b !== null);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  /** Stops retrying; waits (a bounded time) for requests in flight so their result is on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    const busy: Promise<void>[] = [];
    for (const run of this.runs.values()) {
      run.timer?.cancel();
      run.timer = null;
      if (run.busy) busy.push(run.busy);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(busy),
      new Promise((r) => {
        timer = setTimeout(r, this.timeoutMs + 1000);
      }),
    ]);
    clearTimeout(timer); // a pending timer would keep the process alive after a clean stop
    await this.stateFile.flushed();
    this.outbox.close();
  }

  private run(id: string): TargetRun {
    let run = this.runs.get(id);
    if (!run) {
      run = {
        failures: 0,
        error: null,
        failingSince: null,
        retryAt: null,
        asked: false,
        lastSentAt: this.lastSent[id] ?? null,
        timer: null,
        busy: null,
      };
      this.runs.set(id, run);
    }
    return run;
  }

  private labels(ids: string[]): string {
    return ids.map((id) => this.targets.find((t) => t.id === id)?.label ?? id).join(', ');
  }

  private changed(): void {
    this.stateFile.save(() => this.states());
    for (const fn of this.listeners) fn();
  }

  /** Delivers this target's oldest owed alert, then the next, until none is owed or one fails. */
  private pump(target: NotifyTarget): void {
    const run = this.run(target.id);
    if (this.stopped || run.busy) return;
    const now = this.opts.clock.now();
    if (run.retryAt !== null && run.retryAt > now) {
      if (!run.timer)
        run.timer = this.opts.clock.setTimeout(() => {
          run.timer = null;
          this.pump(target);
        }, run.retryAt - now);
      return;
    }
    const entry = this.outbox.entries().find((e) => e.pending.includes(target.id));
    if (!entry) return;
    run.busy = this.attempt(target, entry.alert)
      .then((verdict) => this.settle(target, run, entry.alert, verdict))
      .catch((e) => this.log(`relay: ${this.redactor.redact((e as Error).message)}`))
      .finally(() => {
        run.busy = null;
        // A reload makes new target objects: go on with the one now configured under this id, if any.
        const current = this.targets.find((t) => t.id === target.id);
        if (current) this.pump(current);
      });
  }

  private async attempt(target: NotifyTarget, alert: RelayAlert): Promise<Verdict> {
    const run = this.run(target.id);
    const failures = run.failures + 1;
    const secretKey = target.type === 'ntfy' ? 'token' : target.type === 'slack' ? 'webhook' : 'secret';
    const ref =
      target.type === 'ntfy'
        ? target.token
        : target.type === 'slack'
          ? target.webhook
          : target.type === 'webhook'
            ? target.secret
            : undefined;
    let secret: string | undefined;
    try {
      if (ref) secret = readSecret(ref, secretKey, this.secrets, this.redactor);
    } catch (e) {
      return judgeError({ message: (e as Error).message }, failures, this.random);
    }
    const delivery = buildDelivery(target, alert, secret, this.opts.clock.now());
    try {
      if (delivery.kind === 'command') {
        const res = await this.command(delivery.argv, delivery.stdin, this.timeoutMs);
        return judgeCommand(res, failures, this.random);
      }
      const res = await this.http({
        url: delivery.url,
        headers: delivery.headers,
        body: delivery.body,
        timeoutMs: this.timeoutMs,
      });
      const advice = { secret: ref ? `${secretKey}${'file' in ref ? 'File' : 'Env'}` : null };
      return judgeHttp(res, failures, this.opts.clock.now(), this.random, advice);
    } catch (e) {
      return judgeError(e as Error & { code?: string }, failures, this.random);
    }
  }

  private settle(target: NotifyTarget, run: TargetRun, alert: RelayAlert, verdict: Verdict): void {
    const now = this.opts.clock.now();
    if (verdict.delivered) this.record(() => this.outbox.sent(alert.key, target.id, now));
    // Removed from the config meanwhile: its deliveries were dropped, nothing more to say about it.
    if (!this.targets.some((t) => t.id === target.id)) return;
    if (verdict.delivered) {
      if (run.error !== null) this.log(`alerts to ${target.label} get through again`);
      Object.assign(run, {
        failures: 0,
        error: null,
        failingSince: null,
        retryAt: null,
        asked: false,
        lastSentAt: now,
      });
    } else {
      const error = this.redactor.redact(verdict.error);
      if (run.error === null) this.log(`alerts to ${target.label} are failing: ${error}`);
      run.failures++;
      run.error = error;
      run.failingSince ??= now;
      run.retryAt = now + verdict.retryInMs;
      run.asked = /Retry-After/.test(verdict.error);
      if (verdict.giveUp) {
        this.record(() => this.outbox.drop(alert.key, target.id, 'refused by the receiver'));
        this.log(`alerts to ${target.label}: dropped ${alert.key}, refused by the receiver`);
        run.retryAt = now;
      }
    }
    this.changed();
  }

  /** An outbox write after stop() closed it is skipped: the next start sends it again, with its key. */
  private record(write: () => void): void {
    try {
      write();
    } catch (e) {
      if (!this.stopped) this.log(`relay: the outbox cannot be written: ${(e as Error).message}`);
    }
  }
}

function view(w: WorkerSnapshot): AlertWorkerView {
  return workerValuesJson(w);
}

/** The alert with its workers' newest values, as the outbox keeps it. */
export function toRelayAlert(alert: AlertEvent, snapshot: FleetSnapshot): RelayAlert {
  const workers = alert.workers && alert.workers.length > 0 ? alert.workers : [alert.worker];
  const views = workers
    .map((name) => snapshot.workers.find((w) => w.name === name))
    .filter((w): w is WorkerSnapshot => w !== undefined)
    .map(view);
  return {
    key: alert.key ?? `${alert.worker}/${alert.kind}-${Date.parse(alert.at).toString(36)}:${alert.kind}`,
    kind: alert.kind,
    worker: alert.worker,
    workers,
    message: alert.message,
    at: alert.at,
    views,
  };
}
