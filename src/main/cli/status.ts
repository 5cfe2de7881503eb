// `vigil status`: one pass — connect, read, evaluate, print, exit.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultDataDir, tryLockDataDir } from '../engine/files';
import { openFleet, statusJson } from '../engine/fleet';
import { renderStatusTable } from './table';

export async function runStatus(
  opts: { configPath: string; json: boolean },
  out: (s: string) => void,
): Promise<number> {
  const shared = defaultDataDir();
  const lock = await tryLockDataDir(shared);
  // When the app is running it owns the mirror: read into a private folder rather than write beside it.
  const dataDir = lock ? shared : await mkdtemp(path.join(os.tmpdir(), 'vigil-status-'));
  try {
    const { fleet } = await openFleet({
      configPath: opts.configPath,
      dataDir,
      historyDir: shared,
      // Beside the running app: its vitals history is read (the post-mortem of a silence), never written.
      vitalsHistory: { dir: shared, readOnly: !lock },
    });
    const snap = await fleet.runOnce();
    await fleet.stop();
    out(opts.json ? JSON.stringify(statusJson(snap), null, 2) : renderStatusTable(snap));
    return 0;
  } finally {
    if (lock) await lock.release();
    else await rm(dataDir, { recursive: true, force: true });
  }
}
