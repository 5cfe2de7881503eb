// The life of a host's shared OpenSSH connection (ControlMaster): before a sync, a socket whose master is
// gone is removed (ssh would otherwise print "ControlSocket … already exists" and stop sharing); after a
// sync that ended because the host stopped answering, the master is shut down, because a master whose
// connection hangs would hang every rsync that goes through it until its keepalives give up.

import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SshCommand } from './ssh-command';

const CHECK_TIMEOUT_MS = 3_000;

export type ExecFn = (
  file: string,
  args: readonly string[],
  timeoutMs: number,
) => Promise<{ code: number; stdout: string; stderr: string }>;

export const defaultExec: ExecFn = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

/** `ssh <options> -O <op> <target>`: talks to the local master only, never to the host. */
function controlArgs(cmd: SshCommand, op: 'check' | 'exit'): string[] {
  return [...cmd.argv.slice(1), '-O', op, '--', cmd.sshTarget];
}

export interface MasterState {
  alive: boolean;
  pid: number | null;
}

/** Asks the master over the socket whether it runs ("Master running (pid=123)" on stderr). */
export async function checkMaster(cmd: SshCommand, exec: ExecFn = defaultExec): Promise<MasterState> {
  const r = await exec(cmd.argv[0]!, controlArgs(cmd, 'check'), CHECK_TIMEOUT_MS);
  const pid = /pid=(\d+)/.exec(r.stderr + r.stdout)?.[1];
  return { alive: r.code === 0, pid: pid ? Number(pid) : null };
}

/**
 * Makes the socket folder (private: 0700) and removes a socket whose master does not answer. Returns
 * whether a live master was found (the sync will reuse it). Throws when the folder is not safe to use.
 */
export async function prepareControlPath(
  controlPath: string,
  cmd: SshCommand,
  exec: ExecFn = defaultExec,
  /** The data folder the master belongs to: a socket outside it is marked as its (see reapOwnedMasters). */
  owner?: string,
): Promise<boolean> {
  const dir = path.dirname(controlPath);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The folder may be shared (/tmp/vigil-<uid>): use it only if it is ours, and keep it private.
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new Error(`${dir} is not a folder of yours: not sharing ssh connections through it`);
  }
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
  if (owner !== undefined && dir !== path.join(owner, 'ssh')) {
    await writeFile(`${controlPath}${OWNER_SUFFIX}`, owner, { mode: 0o600 }).catch(() => undefined);
  }
  if (!(await exists(controlPath))) return false;
  const state = await checkMaster(cmd, exec);
  if (state.alive) return true;
  await rm(controlPath, { force: true });
  return false;
}

/**
 * Ends the master (asks it to exit, then signals the pid it reported, then removes the socket), so the
 * next sync opens a fresh connection. Best effort: every step is bounded and errors are ignored.
 */
export async function dropMaster(
  controlPath: string,
  cmd: SshCommand,
  exec: ExecFn = defaultExec,
  kill: (pid: number, sig: NodeJS.Signals) => void = safeKill,
): Promise<void> {
  if (!(await exists(controlPath))) return;
  const state = await checkMaster(cmd, exec);
  await exec(cmd.argv[0]!, controlArgs(cmd, 'exit'), CHECK_TIMEOUT_MS);
  if (state.pid !== null) kill(state.pid, 'SIGTERM');
  await rm(controlPath, { force: true });
}

function safeKill(pid: number, sig: NodeJS.Signals): void {
  try {
    if (pid > 1) process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

const OWNER_SUFFIX = '.owner';

/** An ssh option value: quoted when it holds spaces, `%` doubled (ssh expands %-tokens in ControlPath). */
function controlPathOption(p: string): string {
  const v = p.replace(/%/g, '%%');
  return /[\s'\\#=]/.test(v) ? `"${v}"` : v;
}

export interface ReapDeps {
  exec?: ExecFn;
  kill?: (pid: number, sig: NodeJS.Signals) => void;
  ssh?: string;
  /** The shared socket folder for data folders whose path is too long (controlPathFor's /tmp/vigil-<uid>). */
  sharedDir?: string;
}

/**
 * Ends the shared connections a Vigil on this data folder left behind: it was killed (kill -9, a crash)
 * before it could close them, and each would otherwise live on for its ControlPersist. Called once the
 * data folder is locked, so no live Vigil of this folder is using them. The sockets are the data folder's
 * own (`<data>/ssh/*`), and those in the shared folder marked as this data folder's. Returns how many.
 */
export async function reapOwnedMasters(dataDir: string, deps: ReapDeps = {}): Promise<number> {
  const sharedDir = deps.sharedDir ?? path.posix.join('/tmp', `vigil-${process.getuid?.() ?? 'user'}`);
  const own = path.join(dataDir, 'ssh');
  const candidates = (await readdir(own).catch(() => [] as string[]))
    .filter((n) => !n.endsWith(OWNER_SUFFIX))
    .map((n) => path.join(own, n));
  for (const name of await readdir(sharedDir).catch(() => [] as string[])) {
    if (!name.endsWith(OWNER_SUFFIX)) continue;
    const marker = path.join(sharedDir, name);
    if ((await readFile(marker, 'utf8').catch(() => '')) !== dataDir) continue;
    candidates.push(marker.slice(0, -OWNER_SUFFIX.length));
    await rm(marker, { force: true });
  }
  let reaped = 0;
  for (const socket of candidates) {
    const st = await lstat(socket).catch(() => null);
    if (!st?.isSocket()) continue;
    // `-F none`: the user's ssh_config has no say; the socket alone names the master.
    const cmd: SshCommand = {
      argv: [deps.ssh ?? 'ssh', '-F', 'none', '-o', `ControlPath=${controlPathOption(socket)}`],
      target: 'vigil-stale-master',
      sshTarget: 'vigil-stale-master',
    };
    const { pid } = await checkMaster(cmd, deps.exec ?? defaultExec);
    await dropMaster(socket, cmd, deps.exec ?? defaultExec, deps.kill ?? safeKill);
    if (pid !== null) reaped++;
  }
  return reaped;
}
