// Runs one rsync: no shell, its own process group, progress streamed as it comes, and a watchdog that
// ends it when no data moves for a bound. rsync's own --timeout is not enough: a pull from a host whose
// sshd session is frozen (SIGSTOP) sat there past it, because the local ssh keeps the pipe open and rsync
// waits on ssh, not on the network. The watchdog sends SIGTERM to the whole group (rsync, its ssh),
// then SIGKILL after a grace period. SIGTERM first lets rsync keep the partial file for the next run.

import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../ports';
import { describeExit, type SyncFailure, type SyncSeverity } from './exit-codes';
import { type Progress, type ProgressMode, ProgressReader, type TransferStats } from './progress';

/** The part of a ChildProcess the runner uses (a fake implements it in tests). */
export type ChildLike = Pick<ChildProcess, 'pid' | 'stdout' | 'stderr' | 'once'>;

export type SpawnFn = (
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; detached: boolean; stdio: ['ignore', 'pipe', 'pipe'] },
) => ChildLike;

export type KillGroupFn = (pid: number, signal: NodeJS.Signals) => void;

export const defaultSpawn: SpawnFn = (command, args, options) => nodeSpawn(command, args, options);

/** Signals the process group led by pid (the runner starts rsync as a group leader). */
export const killGroup: KillGroupFn = (pid, signal) => {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
};

export interface RunRsyncOptions {
  args: readonly string[];
  /** The rsync program (default "rsync"). */
  rsync?: string;
  /** How rsync reports progress (default 'total': --info=progress2). */
  progressMode?: ProgressMode;
  env?: NodeJS.ProcessEnv;
  clock: Clock;
  /** End the transfer when nothing moved for this long. */
  noProgressMs: number;
  /** Between SIGTERM and SIGKILL (default 3 s). */
  killGraceMs?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  spawn?: SpawnFn;
  killGroup?: KillGroupFn;
  /** For messages: the destination folder and the host name. */
  to: string;
  host: string;
}

export interface RsyncRunResult {
  /** True on success and on a warning (some files partial or vanished). */
  ok: boolean;
  code: number | null;
  severity: SyncSeverity;
  failure: SyncFailure | null;
  message: string;
  /** Bytes received over the wire (rsync's stats), else the progress total. */
  bytes: number;
  durationMs: number;
  /** The last progress update, if any. */
  progress: Progress | null;
  stats: TransferStats | null;
  stderr: string;
  watchdogFired: boolean;
}

const STDERR_LIMIT = 64 * 1024;
/**
 * After rsync exits, how long to wait for its pipes to close. Normally they close with it, but ssh's
 * multiplexing hands the client's stdio to the shared master, which holds them until the remote session
 * ends: never, when the host is frozen (that cost 2 s here with a 2 s grace). What is already in the
 * pipe is read within milliseconds.
 */
const PIPE_GRACE_MS = 300;

export function runRsync(o: RunRsyncOptions): Promise<RsyncRunResult> {
  const { clock } = o;
  const spawn = o.spawn ?? defaultSpawn;
  const kill = o.killGroup ?? killGroup;
  const started = clock.now();
  const reader = new ProgressReader(o.progressMode);
  let stderr = '';
  let watchdogFired = false;
  let cancelled = false;

  return new Promise((resolve) => {
    let child: ChildLike;
    try {
      child = spawn(o.rsync ?? 'rsync', o.args, {
        env: o.env ?? process.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      resolve(spawnFailure(err as Error, clock.now() - started));
      return;
    }

    let watchdog: TimerHandle | null = null;
    let killTimer: TimerHandle | null = null;
    let pipeTimer: TimerHandle | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let openPipes = 2;
    let done = false;

    const stop = (why: 'watchdog' | 'cancel') => {
      if (exit || killTimer) return;
      if (why === 'watchdog') watchdogFired = true;
      else cancelled = true;
      watchdog?.cancel();
      if (child.pid !== undefined) {
        const pid = child.pid;
        kill(pid, 'SIGTERM');
        killTimer = clock.setTimeout(() => kill(pid, 'SIGKILL'), o.killGraceMs ?? 3_000);
      }
    };
    const arm = () => {
      watchdog?.cancel();
      watchdog = clock.setTimeout(() => stop('watchdog'), o.noProgressMs);
    };
    const onAbort = () => stop('cancel');

    const finish = async () => {
      if (done || !exit) return;
      done = true;
      watchdog?.cancel();
      killTimer?.cancel();
      pipeTimer?.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      for (const p of reader.end()) o.onProgress?.(p);
      const code = exit.code;
      const facts = code === 11 ? await diskFacts(o.to) : {};
      const meaning = describeExit({
        code,
        signal: exit.signal,
        stderr,
        to: o.to,
        host: o.host,
        watchdogSec: watchdogFired ? Math.round(o.noProgressMs / 1000) : null,
        cancelled,
        ...facts,
      });
      resolve({
        ok: meaning.severity !== 'error',
        code,
        severity: meaning.severity,
        failure: meaning.failure,
        message: meaning.message,
        bytes: reader.stats?.received ?? reader.last?.bytes ?? 0,
        durationMs: clock.now() - started,
        progress: reader.last,
        stats: reader.stats,
        stderr,
        watchdogFired,
      });
    };

    child.once('error', (err: Error) => {
      if (done) return;
      done = true;
      watchdog?.cancel();
      killTimer?.cancel();
      resolve(spawnFailure(err, clock.now() - started));
    });
    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      exit = { code, signal };
      watchdog?.cancel();
      if (openPipes === 0) void finish();
      else pipeTimer = clock.setTimeout(() => void finish(), PIPE_GRACE_MS);
    });
    const pipeClosed = () => {
      openPipes--;
      if (openPipes === 0 && exit) void finish();
    };

    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const before = reader.activity;
      for (const p of reader.push(chunk)) o.onProgress?.(p);
      if (reader.activity !== before && !exit && !killTimer) arm();
    });
    child.stdout?.once('close', pipeClosed);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk;
    });
    child.stderr?.once('close', pipeClosed);

    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

function spawnFailure(err: Error, durationMs: number): RsyncRunResult {
  const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
  return {
    ok: false,
    code: null,
    severity: 'error',
    failure: 'internal',
    message: missing
      ? 'rsync is not installed on this computer (apt install rsync / brew install rsync)'
      : `cannot start rsync: ${err.message}`,
    bytes: 0,
    durationMs,
    progress: null,
    stats: null,
    stderr: '',
    watchdogFired: false,
  };
}

/** Free space and write permission of the destination, for the "local disk" message. */
async function diskFacts(to: string): Promise<{ freeBytes: number | null; writable: boolean | null }> {
  let freeBytes: number | null = null;
  let writable: boolean | null = null;
  try {
    const s = await statfs(to);
    freeBytes = s.bavail * s.bsize;
  } catch {
    // unknown
  }
  try {
    await access(to, constants.W_OK);
    writable = true;
  } catch {
    writable = false;
  }
  return { freeBytes, writable };
}
