// The engine as the shells see it: loads the config, owns the Fleet and the data folder, reloads on
// demand, and serves the typed contract (ContractBackend) that Electron IPC and the WebSocket carry.
// A config that cannot load is not a crash: the snapshot carries the error where the UI shows it.

import type { AlertEvent, ContractBackend, EventListener, SeriesOptions } from '../../../shared/contract';
import type { FleetSnapshot, WorkerSnapshot } from '../../../shared/model';
import type { VigilConfig } from '../config';
import { loadConfig } from '../config';
import { type DataLock, tryLockDataDir } from '../files';
import { groupAlerts } from '../judge';
import { type Clock, systemClock } from '../ports';
import { seriesFor } from '../records';
import { loadSyncHistory, SyncManager, saveSyncHistory } from '../sync';
import type { Fleet } from './fleet';
import { assembleFleet, type FleetPorts } from './open-fleet';
import { statusJson } from './status-json';

export interface EngineServiceOptions extends Omit<FleetPorts, 'syncStates'> {
  configPath: string;
  /** Reveals a local folder (Electron's shell.openPath); absent where there is no desktop. */
  openPath?: (path: string) => void;
  /** Builds the sync manager (tests give a fake rsync); default: the real one over the system rsync. */
  createSync?: (config: VigilConfig, dataDir: string) => SyncManager;
}

export class EngineService {
  private fleet: Fleet | null = null;
  private sync: SyncManager | null = null;
  private config: VigilConfig | null = null;
  private configError: string | null = null;
  private lock: DataLock | null = null;
  private readonly listeners = new Set<EventListener>();
  private unsubscribers: (() => void)[] = [];
  private readonly clock: Clock;

  constructor(private readonly opts: EngineServiceOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Takes the data folder (one writer at a time), loads the config and starts watching. */
  async start(): Promise<void> {
    this.lock = await tryLockDataDir(this.opts.dataDir);
    if (!this.lock) {
      throw new Error(
        `another Vigil is already watching with the data folder ${this.opts.dataDir}; quit it first, or set VIGIL_DATA to another folder`,
      );
    }
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
    const sync = (
      this.opts.createSync ?? ((config, dataDir) => new SyncManager({ config, dataDir, clock: this.clock }))
    )(this.config, this.opts.dataDir);
    sync.restoreHistory(await loadSyncHistory(this.opts.dataDir));
    this.sync = sync;
    const fleet = await assembleFleet(this.config, {
      ...this.opts,
      clock: this.clock,
      syncStates: (worker) => sync.states(worker),
    });
    this.fleet = fleet;
    this.unsubscribers = [
      fleet.onSnapshot((snap) => {
        // The first sign of trouble (or the end of a run) pulls the results home.
        for (const w of snap.workers) sync.noteStatus(w.name, w.status);
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
        }),
      ),
    ];
    fleet.start();
    sync.start();
    this.emit('snapshot', this.snapshot());
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    await Promise.all([this.fleet?.stop(), this.sync?.stop()]);
    this.fleet = null;
    this.sync = null;
    await this.lock?.release();
    this.lock = null;
  }

  async reload(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    await Promise.all([this.fleet?.stop(), this.sync?.stop()]);
    this.fleet = null;
    this.sync = null;
    await this.load();
  }

  /** Polls every host now (after the laptop wakes up). */
  pollNow(): void {
    this.fleet?.pollNow();
  }

  snapshot(): FleetSnapshot {
    if (!this.fleet)
      return {
        generatedAt: new Date(this.clock.now()).toISOString(),
        workers: [],
        configError: this.configError,
      };
    return this.fleet.snapshot();
  }

  statusJson(): unknown {
    return statusJson(this.snapshot());
  }

  private lastSent: { worker: WorkerSnapshot; json: string }[] = [];
  private pendingAlerts: AlertEvent[] = [];

  /** Alerts of one evaluation are sent together, grouped by cause (see alert-groups.ts). */
  private queueAlert(a: AlertEvent): void {
    if (this.pendingAlerts.push(a) > 1) return;
    queueMicrotask(() => {
      for (const g of groupAlerts(this.pendingAlerts.splice(0))) this.emit('alert', g);
    });
  }

  /**
   * The fleet re-evaluates every second; the UI hears only of real changes (it ticks ages itself). A worker
   * the fleet did not re-evaluate keeps its object, so only re-evaluated ones are serialised to compare.
   */
  private emitIfChanged(snap: FleetSnapshot): void {
    let changed = snap.workers.length !== this.lastSent.length;
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
    for (const l of this.listeners) l(event, payload);
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
      syncNow: async (worker) => {
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
        const results = (await Promise.all(withRules.map((n) => sync.trigger(n, 'manual')))).flat();
        const failed = results.filter((r) => !r.result.ok);
        if (failed.length > 0) throw new Error(failed.map((f) => `${f.to}: ${f.result.message}`).join('; '));
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
