// The life of a host's shared OpenSSH connection (ControlMaster): before a sync, a socket whose master is
// gone is removed (ssh would otherwise print "ControlSocket … already exists" and stop sharing); after a
// sync that ended because the host stopped answering, the master is shut down, because a master whose
// connection hangs would hang every rsync that goes through it until its keepalives give up.

import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, rm, stat } from 'node:fs/promises';
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
