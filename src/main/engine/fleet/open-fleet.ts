// The engine's front door for the shells: load a config and build a Fleet on the real ports.

import type { VigilConfig } from '../config';
import { loadConfig, resolveHost } from '../config';
import { defaultDataDir } from '../files';
import { type Clock, systemClock } from '../ports';
import type { SshConnector } from '../ssh';
import { createSsh2Connector } from '../ssh';
import { loadSyncHistory, syncStatesFromHistory } from '../sync';
import { Fleet } from './fleet';

export interface OpenFleetOptions {
  configPath: string;
  dataDir?: string;
  clock?: Clock;
  connector?: SshConnector;
  /** Where the sync history is read (default: dataDir); `vigil status` reads the app's while it runs. */
  historyDir?: string;
  /** Records each worker holds in memory (default: RECORDS_HELD in record-store.ts). */
  recordsHeldPerWorker?: number;
}

export async function openFleet(
  opts: OpenFleetOptions,
): Promise<{ fleet: Fleet; config: VigilConfig; dataDir: string }> {
  const config = loadConfig(opts.configPath);
  const dataDir = opts.dataDir ?? defaultDataDir();
  const history = await loadSyncHistory(opts.historyDir ?? dataDir);
  const fleet = await Fleet.create({
    syncStates: (name) => {
      const w = config.workers.find((x) => x.name === name);
      return w ? syncStatesFromHistory(w, opts.historyDir ?? dataDir, history) : [];
    },
    config,
    dataDir,
    connector: opts.connector ?? createSsh2Connector(),
    clock: opts.clock ?? systemClock,
    resolveHost: (cfg, name) => resolveHost(cfg, name),
    recordsHeldPerWorker: opts.recordsHeldPerWorker,
  });
  return { fleet, config, dataDir };
}

export { Fleet } from './fleet';
export { statusJson } from './status-json';
