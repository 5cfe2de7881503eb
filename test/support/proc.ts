// Process-tree helpers over /proc. sshd forks one process per connection (and the session's shell
// and commands under it); none of them are our children, so the only way to find them is the ppid
// column of /proc/<pid>/stat.
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  ppid: number;
  state: string;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The comm field is in parentheses and may itself contain spaces or ')': split after the last one.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const ppid = Number(rest[1]);
  if (state === undefined || !Number.isInteger(ppid)) return undefined;
  return { ppid, state };
}

/** All live descendants of `root` (not `root` itself), parents before their children. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z') continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** True while the process exists and is not a zombie (a zombie has already finished its work). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Sends `sig` to each PID, ignoring ones that are already gone. */
export function signalAll(pids: Iterable<number>, sig: NodeJS.Signals): void {
  for (const pid of pids) {
    // 0 and negative PIDs address whole process groups (-1: everything we may signal). Never.
    if (!Number.isInteger(pid) || pid <= 1) continue;
    try {
      process.kill(pid, sig);
    } catch {
      // ESRCH: already gone, which is what we wanted anyway.
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until none of the PIDs is alive; false if some are still alive after `timeoutMs`. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/** SIGTERM (plus SIGCONT so frozen processes can act on it), then SIGKILL whatever is left after `graceMs`. */
export async function terminate(pids: readonly number[], graceMs = 2000): Promise<void> {
  signalAll(pids, 'SIGTERM');
  signalAll(pids, 'SIGCONT');
  if (await waitGone(pids, graceMs)) return;
  signalAll(pids, 'SIGKILL');
  await waitGone(pids, 1000);
}
