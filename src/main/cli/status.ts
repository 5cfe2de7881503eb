// `vigil status`: one pass — connect, read, evaluate, print, exit.

import type { FleetSnapshot, WorkerStatus } from '../../shared/model';
import { openFleet, statusJson } from '../engine/fleet';
import { loadRelayState } from '../engine/relay';
import { openCliDataFolder } from './data-folder';
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
  const folder = await openCliDataFolder('status', err);
  try {
    // The app's saved paces judge stalls the way the app does (a single pass sees each mtime once).
    const { fleet, config } = await openFleet({ configPath: opts.configPath, ...folder.fleet });
    const snap = await fleet.runOnce();
    await fleet.stop();
    // Relay targets as the running engine (the app or `vigil serve`) last saved them, if it ever ran.
    const saved = await loadRelayState(folder.shared);
    const relay = (saved?.targets ?? []).filter((t) => config.notify.some((n) => n.id === t.id));
    if (relay.length > 0) snap.relay = relay;
    out(opts.json ? JSON.stringify(statusJson(snap), null, 2) : renderStatusTable(snap));
    return statusExitCode(snap);
  } finally {
    await folder.release();
  }
}
