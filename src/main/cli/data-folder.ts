// Where a CLI command that reads the hosts keeps what it reads. It takes the data folder when its lock
// is free. When the app or `vigil serve` holds it (they own the mirror), or the folder cannot be used
// (full, read-only), it reads into a private temporary folder instead, judging stalls with the app's
// saved paces and reading its vitals history without writing it.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DataLock, defaultDataDir, LocalStoreError, tryLockDataDir } from '../engine/files';

export interface CliDataFolder {
  /** The shared data folder (the app's). */
  shared: string;
  /** What openFleet takes: where to read into, and the shared folder's paces and vitals history. */
  fleet: {
    dataDir: string;
    historyDir: string;
    paceFrom?: string;
    vitalsHistory: { dir: string; readOnly: boolean };
  };
  /** Releases the lock, or removes the temporary folder. */
  release(): Promise<void>;
}

export async function openCliDataFolder(command: string, err: (s: string) => void): Promise<CliDataFolder> {
  const shared = defaultDataDir();
  let lock: DataLock | null = null;
  try {
    lock = await tryLockDataDir(shared);
  } catch (e) {
    // A full or read-only data folder: still an answer, read from the hosts into a private folder.
    err(
      `vigil: ${new LocalStoreError('use the data folder', shared, e).message}; reading into a temporary folder`,
    );
  }
  const dataDir = lock ? shared : await mkdtemp(path.join(os.tmpdir(), `vigil-${command}-`));
  return {
    shared,
    fleet: {
      dataDir,
      historyDir: shared,
      ...(lock ? {} : { paceFrom: shared }),
      vitalsHistory: { dir: shared, readOnly: !lock },
    },
    release: () => (lock ? lock.release() : rm(dataDir, { recursive: true, force: true })),
  };
}
