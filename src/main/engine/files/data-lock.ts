// One process writes a data folder at a time: two writers appending to one mirror would corrupt it.
//
// The lock file names its owner by pid *and* the process's start time: after a reboot another process
// can hold the same pid, and a pid alone would make Vigil say "already watching" for ever. The file is
// written complete under a temporary name and linked into place (link fails if the name exists), so a
// reader never sees a half-written lock, and of two processes starting at the same moment exactly one
// wins. A stale lock is removed only by the holder of a second, short-lived lock (`.lock.takeover`,
// created the same way), after reading again that the lock is still the stale one it judged: as only
// that holder removes `.lock`, and nobody can create it while it exists, what it removes is exactly the
// stale lock. (Renaming the stale lock aside and checking what moved was not enough: a third process
// could create its lock between one's rename and its putting back a fresh lock it had moved by mistake,
// and two processes then believed they held the folder.)

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface DataLock {
  release(): Promise<void>;
}

/** Another process holds the data folder: the app then says "already running", not "could not start". */
export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
  constructor(readonly dataDir: string) {
    super(
      `another Vigil is already watching with the data folder ${dataDir}; quit it first, or set VIGIL_DATA to another folder`,
    );
  }
}

/** What the lock needs to know about processes; the real one reads /proc or asks `ps`. */
export interface ProcessTable {
  alive(pid: number): boolean;
  /** A string that differs between two processes that had the same pid; null when it cannot be told. */
  startId(pid: number): Promise<string | null>;
}

interface LockRecord {
  pid: number;
  start: string | null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: boot id + the start time in clock ticks since boot (field 22 of /proc/PID/stat). */
async function linuxStartId(pid: number): Promise<string | null> {
  try {
    const [stat, boot] = await Promise.all([
      fs.readFile(`/proc/${pid}/stat`, 'utf8'),
      fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => ''),
    ]);
    // The command name (field 2) is in parentheses and may hold spaces or ")": count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19]; // field 22 overall
    return ticks ? `${boot.trim()}:${ticks}` : null;
  } catch {
    return null;
  }
}

/** macOS and the BSDs: the start time `ps` prints (to the second), asked with a bound. */
function psStartId(pid: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'lstart=', '-p', String(pid)], { timeout: 2000 }, (err, stdout) => {
      const s = stdout?.trim();
      resolve(err || !s ? null : s);
    });
  });
}

export const systemProcesses: ProcessTable = {
  alive,
  startId: (pid) =>
    process.platform === 'linux'
      ? linuxStartId(pid)
      : process.platform === 'win32'
        ? Promise.resolve(null)
        : psStartId(pid),
};

/** The lock's owner, from the current JSON record or the older plain-pid file. */
export function parseLockRecord(text: string): LockRecord | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t), start: null };
  try {
    const v = JSON.parse(t) as Partial<LockRecord>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0)
      return { pid: v.pid, start: typeof v.start === 'string' ? v.start : null };
  } catch {
    // not a lock record
  }
  return null;
}

/** Locks held by this process (a second engine in the same process must not take the folder too). */
const heldHere = new Set<string>();

const ATTEMPTS = 6;
/** A lock file that cannot be read as a record is a writer's in progress (without link) for this long. */
const UNREADABLE_GRACE_MS = 10_000;

const unique = () => `${process.pid}.${randomBytes(6).toString('hex')}`;
const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if (code(e) === 'ENOENT') return null;
    throw e;
  }
}

/** Creates `file` holding `text`, atomically: true if created, false if it exists. */
async function createComplete(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${unique()}.tmp`;
  await fs.writeFile(tmp, text);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    // A file system without hard links (some external drives): exclusive create, then write.
    if (code(e) !== 'EPERM' && code(e) !== 'ENOTSUP' && code(e) !== 'EXDEV') throw e;
    try {
      await fs.writeFile(file, text, { flag: 'wx' });
      return true;
    } catch (e2) {
      if (code(e2) === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Whether the recorded owner is a live process (the same one, not a later holder of its pid). */
async function ownerLives(owner: LockRecord, procs: ProcessTable): Promise<boolean> {
  if (!procs.alive(owner.pid)) return false;
  if (owner.start === null) return owner.pid !== process.pid; // an old plain-pid lock: the pid is all we have
  const now = await procs.startId(owner.pid);
  return now === null ? true : now === owner.start;
}

/** A takeover lock left by a process that died while holding it (a takeover takes milliseconds). */
const TAKEOVER_STALE_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Removes `file` if it still holds `seen`, holding `<file>.takeover` meanwhile. False when another
 * process is taking over (try again shortly: it will have removed the stale lock, or created its own).
 */
async function removeStale(file: string, seen: string, mine: string): Promise<boolean> {
  const takeover = `${file}.takeover`;
  if (!(await createComplete(takeover, mine))) {
    const age = Date.now() - (await fs.stat(takeover).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > TAKEOVER_STALE_MS) await fs.rm(takeover, { force: true });
    return false;
  }
  try {
    if ((await readOrNull(file)) === seen) await fs.rm(file, { force: true });
    return true;
  } finally {
    await fs.rm(takeover, { force: true });
  }
}

/** The lock, or null when another live process (or another engine in this one) holds it. */
export async function tryLockDataDir(
  dataDir: string,
  procs: ProcessTable = systemProcesses,
): Promise<DataLock | null> {
  await fs.mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, '.lock');
  if (heldHere.has(file)) return null;
  const mine = JSON.stringify({ pid: process.pid, start: await procs.startId(process.pid) });
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createComplete(file, mine)) {
      heldHere.add(file);
      return {
        release: async () => {
          heldHere.delete(file);
          // Only our own lock is removed: never one another process took over meanwhile.
          if ((await readOrNull(file).catch(() => null)) === mine) await fs.rm(file, { force: true });
        },
      };
    }
    const seen = await readOrNull(file);
    if (seen === null) continue; // released meanwhile: try again
    const owner = parseLockRecord(seen);
    if (owner === null) {
      const age = Date.now() - (await fs.stat(file).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
      if (age < UNREADABLE_GRACE_MS) return null;
    } else if (seen !== mine && (await ownerLives(owner, procs))) return null;
    // Stale: remove it under the takeover lock, if it is still the one judged stale.
    if (!(await removeStale(file, seen, mine))) await sleep(5 + Math.random() * 20);
  }
  return null;
}
