// One process writes a data folder at a time: two writers appending to one mirror would corrupt it.
// The lock is a file holding the owner's pid; a lock whose pid is gone is stale and taken over.

import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface DataLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locks held by this process: a lock file with our own pid is ours only if we took it. */
const heldHere = new Set<string>();

/** The lock, or null when another live process (or another engine in this one) holds it. */
export async function tryLockDataDir(dataDir: string): Promise<DataLock | null> {
  await fs.mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, '.lock');
  if (heldHere.has(file)) return null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx' });
      heldHere.add(file);
      return {
        release: async () => {
          heldHere.delete(file);
          await fs.rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
      // Our own pid here means a crashed earlier process whose pid we reuse: stale, like a dead one.
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) return null;
      await fs.rm(file, { force: true });
    }
  }
  return null;
}
