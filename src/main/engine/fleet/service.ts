// The engine as the shells see it: loads the config, owns the Fleet and the data folder, reloads on
// demand, and serves the typed contract (ContractBackend) that Electron IPC and the WebSocket carry.
// A config that cannot load is not a crash: the snapshot carries the error where the UI shows it.

import type { AlertEvent, ContractBackend, EventListener, SeriesOptions } from '../../../shared/contract';
import type { FleetSnapshot, HostSnapshot, WorkerSnapshot } from '../../../shared/model';
import type { VigilConfig } from '../config';
import { loadConfig } from '../config';
import { DataDirBusyError, type DataLock, LocalStoreError, tryLockDataDir } from '../files';
import { groupAlerts } from '../judge';
import { type Clock, systemClock } from '../ports';
import { seriesFor } from '../records';
import type { Relay, RelayPorts } from '../relay';
import { loadSyncHistory, reapOwnedMasters, SyncManager, saveSyncHistory } from '../sync';
import type { Fleet } from './fleet';
import { assembleFleet, type FleetPorts } from './open-fleet';
import { openRelay, withRelay } from './relay-hook';
import { statusJson } from './status-json';

export interface EngineServiceOptions extends Omit<FleetPorts, 'syncStates'> {
  configPath: string;
  /** Reveals a local folder (Electron's shell.openPath); absent where there is no desktop. */
  openPath?: (path: string) => void;
  /** Builds the sync manager (tests give a fake rsync); default: the real one over the system rsync. */
  createSync?: (config: VigilConfig, dataDir: string) => SyncManager;
  /** The relay's ports (HTTP, commands, secrets, log); default: the real ones. */
  relay?: RelayPorts;
  /** Ends the shared ssh connections a killed Vigil left (default: reapOwnedMasters). */
  reapMasters?: (dataDir: string) => Promise<number>;
}

export class EngineService {
  private fleet: Fleet | null = null;
  private sync: SyncManager | null = null;
  private config: VigilConfig | null = null;
  private configError: string | null = null;
  private lock: DataLock | null = null;
  private relay: Relay | null = null;
  private readonly listeners = new Set<EventListener>();
  private unsubscribers: (() => void)[] = [];
  private readonly clock: Clock;
  /** start, reloads and stop run one after another on this chain: never two fleets at once. */
  private chain: Promise<void> = Promise.resolve();
  /** A reload waiting for its turn: later requests join it (a double-click reloads once more, not twice). */
  private queuedReload: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly opts: EngineServiceOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Runs `op` after everything queued before it (start, reloads, stop), whatever they came to. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => {});
    return p;
  }

  /** Takes the data folder (one writer at a time), loads the config and starts watching. */
  start(): Promise<void> {
    return this.enqueue(() => this.startNow());
  }

  private async startNow(): Promise<void> {
    try {
      this.lock = await tryLockDataDir(this.opts.dataDir);
    } catch (e) {
      // A full or read-only disk: the folder by name, and what to do (a bare "ENOSPC … write" said neither).
      throw new LocalStoreError('take the data folder', this.opts.dataDir, e);
    }
    if (!this.lock) throw new DataDirBusyError(this.opts.dataDir);
    // Shared ssh connections a killed Vigil of this data folder left open die now, not at their timeout.
    await (this.opts.reapMasters ?? reapOwnedMasters)(this.opts.dataDir).catch(() => 0);
    this.relay = await openRelay(this.opts.dataDir, this.clock, this.opts.relay, () =>
      this.emit('snapshot', this.snapshot()),
    );
    await this.load();
  }

  private async load(): Promise<void> {
    try {
      this.config = loadConfig(this.opts.configPath);
      this.configError = null;
    } catch (e) {
      this.config = null;
      this.configError = (e as Error).message;
      this.emit('snapshot', this.snapshot());
      return;
    }
    this.relay?.configure(this.config.notify);
    const sync = (
      this.opts.createSync ?? ((config, dataDir) => new SyncManager({ config, dataDir, clock: this.clock }))
    )(this.config, this.opts.dataDir);
    sync.restoreHistory(await loadSyncHistory(this.opts.dataDir));
    const fleet = await assembleFleet(this.config, {
      ...this.opts,
      clock: this.clock,
      syncStates: (worker) => sync.states(worker),
    });
    // Stopped while the fleet was being built (its mirrors replayed): it never starts.
    if (this.stopping) {
      await Promise.all([fleet.stop(), sync.stop()]);
      return;
    }
    this.sync = sync;
    this.fleet = fleet;
    const noted = new Map<string, WorkerSnapshot>();
    this.unsubscribers = [
      fleet.onSnapshot((snap) => {
        // The first sign of trouble (or the end of a run) pulls the results home. A worker that kept its
        // snapshot object kept its status: told once.
        for (const w of snap.workers) {
          if (noted.get(w.name) === w) continue;
          noted.set(w.name, w);
          sync.noteStatus(w.name, w.status);
        }
        this.emitIfChanged(snap);
      }),
      sync.onProgress((p) => this.emit('progress', p)),
      sync.onState(() => {
        void saveSyncHistory(this.opts.dataDir, sync.history()).catch(() => {
          // A full disk is already reported by the mirror; the history is a convenience.
        });
        if (this.fleet) this.emitIfChanged(this.fleet.snapshot());
      }),
      fleet.onAlert((a) =>
        this.queueAlert({
          worker: a.worker,
          ...(a.workers ? { workers: a.workers } : {}),
          ...(a.host ? { host: a.host } : {}),
          kind: a.kind,
          message: a.message,
          at: new Date(a.at).toISOString(),
          key: a.key,
        }),
      ),
    ];
    fleet.start();
    sync.start();
    this.emit('snapshot', this.snapshot());
  }

  /**
   * Stops everything started, a reload in flight included (it finishes building, then is stopped
   * before it starts), and releases the data folder. Reloads asked after this do nothing.
   */
  stop(): Promise<void> {
    this.stopping = true;
    return this.enqueue(async () => {
      await this.halt();
      await this.relay?.stop();
      this.relay = null;
      await this.lock?.release();
      this.lock = null;
    });
  }

  /** Reloads the config: one reload at a time; asked while one waits, it is that one. */
  reload(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.queuedReload) return this.queuedReload;
    const p = this.enqueue(async () => {
      this.queuedReload = null;
      if (this.stopping) return;
      await this.halt();
      await this.load();
    });
    this.queuedReload = p;
    return p;
  }

  private async halt(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    await Promise.all([this.fleet?.stop(), this.sync?.stop()]);
    this.fleet = null;
    this.sync = null;
  }

  /** Polls every host now (after the laptop wakes up). */
  pollNow(): void {
    this.fleet?.pollNow();
    this.relay?.wake();
  }

  snapshot(): FleetSnapshot {
    if (!this.fleet)
      return withRelay(
        { generatedAt: new Date(this.clock.now()).toISOString(), workers: [], configError: this.configError },
        this.relay,
      );
    return withRelay(this.fleet.snapshot(), this.relay);
  }

  statusJson(): unknown {
    return statusJson(this.snapshot());
  }

  private lastSent: { worker: WorkerSnapshot; json: string }[] = [];
  private lastHosts: readonly HostSnapshot[] = [];
  private pendingAlerts: AlertEvent[] = [];

  /** Alerts of one evaluation are sent together, grouped by cause (see alert-groups.ts). */
  private queueAlert(a: AlertEvent): void {
    if (this.pendingAlerts.push(a) > 1) return;
    queueMicrotask(() => {
      const groups = groupAlerts(this.pendingAlerts.splice(0));
      // Into the outbox (on disk) first, then to the shells.
      const snap = this.relay && groups.length > 0 ? this.snapshot() : null;
      if (snap) for (const g of groups) this.relay!.enqueue(g, snap);
      for (const g of groups) this.emit('alert', g);
    });
  }

  /**
   * The fleet re-evaluates every second; the UI hears only of real changes (it ticks ages itself). A worker
   * the fleet did not re-evaluate keeps its object, so only re-evaluated ones are serialised to compare.
   * A host's snapshot is a new object only when something in it changed (HostWatch.snapshot): a new
   * vitals reading or warning is told even when no worker changed.
   */
  private emitIfChanged(snap: FleetSnapshot): void {
    const hosts = snap.hosts ?? [];
    let changed =
      snap.workers.length !== this.lastSent.length ||
      hosts.length !== this.lastHosts.length ||
      hosts.some((h, i) => h !== this.lastHosts[i]);
    this.lastHosts = hosts;
    const sent = snap.workers.map((w, i) => {
      const last = this.lastSent[i];
      if (last?.worker === w) return last;
      const json = JSON.stringify(w);
      if (json !== last?.json) changed = true;
      return { worker: w, json };
    });
    this.lastSent = sent;
    if (changed) this.emit('snapshot', snap);
  }

  private emit: EventListener = (event, payload) => {
    const p =
      event === 'snapshot' ? (withRelay(payload as FleetSnapshot, this.relay) as typeof payload) : payload;
    for (const l of this.listeners) l(event, p);
  };

  private worker(name: string) {
    const w = this.fleet?.worker(name);
    if (!w) throw new Error(`no worker named "${name}"`);
    return w;
  }

  backend(): ContractBackend {
    return {
      getSnapshot: () => this.snapshot(),
      getSeries: (worker: string, metrics: string[], options: SeriesOptions) =>
        seriesFor(worker, this.worker(worker).records, metrics, options),
      snooze: (worker, durationMs) => {
        if (worker !== null) this.worker(worker);
        this.fleet?.snooze(worker, durationMs);
      },
      syncNow: (worker) => {
        const sync = this.sync;
        if (!sync || !this.config) throw new Error('nothing to sync: the config did not load');
        const names =
          worker === null ? this.config.workers.map((w) => w.name) : [this.worker(worker).cfg.name];
        const withRules = names.filter(
          (n) => this.config!.workers.find((w) => w.name === n)!.sync.length > 0,
        );
        if (withRules.length === 0) {
          throw new Error(
            worker === null
              ? 'no worker has sync rules in the config'
              : `${worker} has no sync rules in the config`,
          );
        }
        // Answers once queued: a transfer can take an hour; each run reports through progress events.
        for (const n of withRules) void sync.trigger(n, 'manual');
      },
      openMirror: (worker) => {
        const dir = this.worker(worker).mirrorDir;
        if (!this.opts.openPath) throw new Error(`this window cannot open folders; the mirror is at ${dir}`);
        this.opts.openPath(dir);
      },
      reloadConfig: () => this.reload(),
      getResources: (worker, sinceMs) => {
        if (!this.fleet) throw new Error(`no worker named "${worker}"`);
        return this.fleet.resourceHistory(worker, sinceMs);
      },
      subscribe: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }
}
