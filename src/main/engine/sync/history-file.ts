// Sync results outlive the process: the app saves them after each run, and `vigil status` (another
// process) reads them for its `sync: [{ to, lastSyncAt, result }]`.

import path from 'node:path';
import type { SyncRuleState } from '../../../shared/model';
import type { WorkerConfig } from '../config';
import { readJson, writeAtomically } from '../files';
import type { SyncHistory } from './manager';
import { destinationOf } from './rsync-args';

const FILE = 'sync-history.json';

export async function loadSyncHistory(dataDir: string): Promise<SyncHistory> {
  return (await readJson<SyncHistory>(path.join(dataDir, FILE))) ?? {};
}

export async function saveSyncHistory(dataDir: string, history: SyncHistory): Promise<void> {
  await writeAtomically(path.join(dataDir, FILE), JSON.stringify(history));
}

/**
 * Saves only `changed` over what the file holds now: `vigil sync` runs beside the app, which owns the
 * data folder and saves its own history; rewriting the whole file from an older read would undo the
 * app's newer entries.
 */
export async function mergeSyncHistory(dataDir: string, changed: SyncHistory): Promise<void> {
  if (Object.keys(changed).length === 0) return;
  await saveSyncHistory(dataDir, { ...(await loadSyncHistory(dataDir)), ...changed });
}

/** The snapshot's view of a worker's rules from saved history alone (no manager running). */
export function syncStatesFromHistory(
  worker: WorkerConfig,
  dataDir: string,
  h: SyncHistory,
  /** The worker's local folder among the config's (workerFolders). */
  folder?: string,
): SyncRuleState[] {
  return worker.sync.map((rule, index) => {
    const to = destinationOf(rule, worker.name, dataDir, folder);
    const kept = h[`${worker.name}#${index}`];
    const last = kept && kept.to === to ? kept : null;
    return {
      to,
      lastSyncAt: last?.lastSyncAt ? new Date(last.lastSyncAt).toISOString() : null,
      lastOkAt: last?.lastOkAt ? new Date(last.lastOkAt).toISOString() : null,
      result: last
        ? last.last.severity === 'warning'
          ? `warning: ${last.last.message}`
          : last.last.message
        : null,
      bytes: last?.last.bytes ?? 0,
      state: 'idle',
    };
  });
}
