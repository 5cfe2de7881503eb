// `vigil status`: one pass — connect, read, evaluate, print, exit.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DataLock, defaultDataDir, LocalStoreError, tryLockDataDir } from '../engine/files';
import { openFleet, statusJson } from '../engine/fleet';
import { renderStatusTable } from './table';

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
    const { fleet } = await openFleet({ configPath: opts.configPath, dataDir, historyDir: shared });
    const snap = await fleet.runOnce();
    await fleet.stop();
    out(opts.json ? JSON.stringify(statusJson(snap), null, 2) : renderStatusTable(snap));
    return 0;
  } finally {
    if (lock) await lock.release();
    else await rm(dataDir, { recursive: true, force: true });
  }
}
