// The engine as the shells see it: loads the config, owns the Fleet and the data folder, reloads on
// demand, and serves the typed contract (ContractBackend) that Electron IPC and the WebSocket carry.
// A config that cannot load is not a crash: the snapshot carries the error where the UI shows it.

import type { AlertEvent, ContractBackend, EventListener, SeriesOptions } from '../../shared/contract';
import type { FleetSnapshot } from '../../shared/model';
import { groupAlerts } from './alert-groups';
import { loadConfig } from './config/load';
import { resolveHost } from './config/resolve-host';
import type { VigilConfig } from './config/types';
import { type DataLock, tryLockDataDir } from './data-lock';
import { Fleet } from './fleet';
import { type Clock, systemClock } from './ports';
import { seriesFor } from './series-source';
import { createSsh2Connector } from './ssh/connection';
import type { ResolvedHost, SshConnector } from './ssh/types';
import { statusJson } from './status-json';

export interface EngineServiceOptions {
  configPath: string;
  dataDir: string;
  clock?: Clock;
  connector?: SshConnector;
  resolveHost?: (config: VigilConfig, host: string) => Promise<ResolvedHost>;
  /** Reveals a local folder (Electron's shell.openPath); absent where there is no desktop. */
  openPath?: (path: string) => void;
  /** Runs a worker's sync rules now (null: every worker). Absent until sync is wired. */
  syncNow?: (worker: string | null) => Promise<void> | void;
}

export class EngineService {
  private fleet: Fleet | null = null;
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
    const fleet = await Fleet.create({
      config: this.config,
      dataDir: this.opts.dataDir,
      connector: this.opts.connector ?? createSsh2Connector(),
      clock: this.clock,
      resolveHost: this.opts.resolveHost ?? ((cfg, name) => resolveHost(cfg, name)),
    });
    this.fleet = fleet;
    this.unsubscribers = [
      fleet.onSnapshot((snap) => this.emitIfChanged(snap)),
      fleet.onAlert((a) =>
        this.queueAlert({
          worker: a.worker,
          kind: a.kind,
          message: a.message,
          at: new Date(a.at).toISOString(),
        }),
      ),
    ];
    fleet.start();
    this.emit('snapshot', this.snapshot());
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    await this.fleet?.stop();
    this.fleet = null;
    await this.lock?.release();
    this.lock = null;
  }

  async reload(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    await this.fleet?.stop();
    this.fleet = null;
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

  private lastSent = '';
  private pendingAlerts: AlertEvent[] = [];

  /** Alerts of one evaluation are sent together, grouped by cause (see alert-groups.ts). */
  private queueAlert(a: AlertEvent): void {
    if (this.pendingAlerts.push(a) > 1) return;
    queueMicrotask(() => {
      for (const g of groupAlerts(this.pendingAlerts.splice(0))) this.emit('alert', g);
    });
  }

  /** The fleet re-evaluates every second; the UI hears only of real changes (it ticks ages itself). */
  private emitIfChanged(snap: FleetSnapshot): void {
    const key = JSON.stringify(snap.workers);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.emit('snapshot', snap);
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
        if (worker !== null) this.worker(worker);
        if (!this.opts.syncNow) throw new Error('result syncing is not available in this build');
        await this.opts.syncNow(worker);
      },
      openMirror: (worker) => {
        const dir = this.worker(worker).mirrorDir;
        if (!this.opts.openPath) throw new Error(`this window cannot open folders; the mirror is at ${dir}`);
        this.opts.openPath(dir);
      },
      reloadConfig: () => this.reload(),
      subscribe: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }
}
