// `vigil status`: one pass — connect, read, evaluate, print, exit.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FleetSnapshot, WorkerStatus } from '../../shared/model';
import { type DataLock, defaultDataDir, LocalStoreError, tryLockDataDir } from '../engine/files';
import { openFleet, statusJson } from '../engine/fleet';
import { loadRelayState } from '../engine/relay';
import { renderStatusTable } from './table';

/** The statuses that are all well; any other (a problem, or a worker Vigil could not judge) exits 1. */
const WELL: readonly WorkerStatus[] = ['running', 'late', 'finished'];

/** 0 when every worker is running, late or finished; 1 when any is in trouble or could not be judged. */
export function statusExitCode(snap: FleetSnapshot): 0 | 1 {
  return snap.workers.every((w) => WELL.includes(w.status)) ? 0 : 1;
}

export async function runStatus(
  opts: { configPath: string; json: boolean },
  out: (s: string) => void,
  err: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): Promise<number> {
  const shared = defaultDataDir();
  let lock: DataLock | null = null;
  try {
    lock = await tryLockDataDir(shared);
  } catch (e) {
    // A full or read-only data folder: still a status, read from the hosts into a private folder.
    err(
      `vigil: ${new LocalStoreError('use the data folder', shared, e).message}; reading into a temporary folder`,
    );
  }
  // When the app is running it owns the mirror: read into a private folder rather than write beside it.
  const dataDir = lock ? shared : await mkdtemp(path.join(os.tmpdir(), 'vigil-status-'));
  try {
    // The app's saved paces judge stalls the way the app does (a single pass sees each mtime once).
    const { fleet, config } = await openFleet({
      configPath: opts.configPath,
      dataDir,
      historyDir: shared,
      ...(lock ? {} : { paceFrom: shared }),
      // Beside the running app: its vitals history is read (the post-mortem of a silence), never written.
      vitalsHistory: { dir: shared, readOnly: !lock },
    });
    const snap = await fleet.runOnce();
    await fleet.stop();
    // Relay targets as the running engine (the app or `vigil serve`) last saved them, if it ever ran.
    const saved = await loadRelayState(shared);
    const relay = (saved?.targets ?? []).filter((t) => config.notify.some((n) => n.id === t.id));
    if (relay.length > 0) snap.relay = relay;
    out(opts.json ? JSON.stringify(statusJson(snap), null, 2) : renderStatusTable(snap));
    return statusExitCode(snap);
  } finally {
    if (lock) await lock.release();
    else await rm(dataDir, { recursive: true, force: true });
  }
}
