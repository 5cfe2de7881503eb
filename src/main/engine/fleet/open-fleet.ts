// The composition root: the one place a Fleet is built from a config and the real ports. The app and
// `vigil serve` (through EngineService) and `vigil status` (through openFleet) all come through here,
// so every shell watches with the same parts; tests swap a port by passing it.

import type { SyncRuleState } from '../../../shared/model';
import type { VigilConfig } from '../config';
import { loadConfig, resolveHost, workerFolders } from '../config';
import { defaultDataDir } from '../files';
import { type Clock, systemClock } from '../ports';
import type { ResolvedHost, SshConnector } from '../ssh';
import { createSsh2Connector } from '../ssh';
import { loadSyncHistory, syncStatesFromHistory } from '../sync';
import { Fleet } from './fleet';

/** The ports a Fleet runs on; each defaults to the real one. */
export interface FleetPorts {
  dataDir: string;
  clock?: Clock;
  connector?: SshConnector;
  resolveHost?: (config: VigilConfig, host: string) => Promise<ResolvedHost>;
  /** Records each worker holds in memory (default: RECORDS_HELD in records/record-store.ts). */
  recordsHeldPerWorker?: number;
  /** The state of each worker's sync rules, for its snapshot. */
  syncStates?: (worker: string) => SyncRuleState[];
  /** A data folder whose saved paces to use when dataDir has none (`vigil status` beside the app). */
  paceFrom?: string;
  /** Where the vitals history is kept (default: the data folder, written). */
  vitalsHistory?: { dir: string; readOnly: boolean };
  /** Test port only: a fixture /proc and /sys for the vitals script. */
  vitalsRoots?: { procRoot: string; sysRoot: string };
}

/** Builds the Fleet for a loaded config and replays every mirror (last known values show at once). */
export function assembleFleet(config: VigilConfig, ports: FleetPorts): Promise<Fleet> {
  return Fleet.create({
    config: process.env.VIGIL_FOLLOW === '0' ? pollEveryHost(config) : config,
    dataDir: ports.dataDir,
    connector: ports.connector ?? createSsh2Connector(),
    clock: ports.clock ?? systemClock,
    resolveHost: ports.resolveHost ?? ((cfg, name) => resolveHost(cfg, name)),
    recordsHeldPerWorker: ports.recordsHeldPerWorker,
    syncStates: ports.syncStates,
    paceFrom: ports.paceFrom,
    vitalsHistory: ports.vitalsHistory,
    vitalsRoots: ports.vitalsRoots,
  });
}

/** VIGIL_FOLLOW=0: every host polled, as with `follow: false` (an escape hatch; the suites' polling runs). */
function pollEveryHost(config: VigilConfig): VigilConfig {
  const hosts = Object.fromEntries(
    Object.entries(config.hosts).map(([k, h]) => [k, { ...h, follow: false }]),
  );
  return { ...config, hosts };
}

export interface OpenFleetOptions extends Omit<FleetPorts, 'dataDir' | 'syncStates'> {
  configPath: string;
  dataDir?: string;
  /** Where the sync history is read (default: dataDir); `vigil status` reads the app's while it runs. */
  historyDir?: string;
}

/** Loads the config and assembles its Fleet, with sync states read from the saved history (one pass). */
export async function openFleet(
  opts: OpenFleetOptions,
): Promise<{ fleet: Fleet; config: VigilConfig; dataDir: string }> {
  const config = loadConfig(opts.configPath);
  const dataDir = opts.dataDir ?? defaultDataDir();
  const historyDir = opts.historyDir ?? dataDir;
  const history = await loadSyncHistory(historyDir);
  const folders = workerFolders(config.workers.map((w) => w.name));
  const fleet = await assembleFleet(config, {
    ...opts,
    dataDir,
    syncStates: (name) => {
      const w = config.workers.find((x) => x.name === name);
      return w ? syncStatesFromHistory(w, historyDir, history, folders.get(name)) : [];
    },
  });
  return { fleet, config, dataDir };
}
