// Shared by the benchmarks (not a benchmark itself): the --quick flag, the BENCH line, percentiles,
// Vigil configs and ssh_config files pointing at a test sshd (directly, through a counting proxy, or
// under many aliases), and the naive follower baseline (`ssh host tail -F`) with its /proc readings.

import { execFile, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { HostRuntime } from '../src/main/engine/fleet/host-runtime';
import type { Sshd } from '../test/support/sshd';

export const QUICK = process.argv.includes('--quick');

function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** Prints `BENCH name value unit baseline=b ratio=r` (ratio: how many times better Vigil is). */
export function bench(
  name: string,
  value: number,
  unit: string,
  baseline: number | null = null,
  ratio: number | null = null,
): void {
  console.log(`BENCH ${name} ${fmt(value)} ${unit} baseline=${fmt(baseline)} ratio=${fmt(ratio)}`);
}

/** Notes for a human go to stderr, so stdout stays BENCH lines only. */
export function note(s: string): void {
  process.stderr.write(`  ${s}\n`);
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(ok: () => boolean, timeoutMs: number, what: string, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

const madeDirs: string[] = [];
// A full run writes ~1 GB of mirrors and remote files: removed when the benchmark's process ends,
// also on Ctrl-C (exit handlers run on process.exit, not on a signal's default action).
process.on('exit', () => {
  for (const dir of madeDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a folder left behind must not turn a finished run into a failure.
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** A temporary folder, removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `vigil-bench-${prefix}-`));
  madeDirs.push(dir);
  return dir;
}

export interface Alias {
  name: string;
  port: number;
}

/**
 * An ssh_config with the given aliases, all for the test sshd's user, key and known_hosts. An alias on
 * another port (a proxy) keeps verifying the sshd's host key through HostKeyAlias.
 */
export function writeSshConfig(sshd: Sshd, aliases: Alias[], extra: string[] = []): string {
  const lines: string[] = [];
  for (const a of aliases) {
    lines.push(
      `Host ${a.name}`,
      '  HostName 127.0.0.1',
      `  Port ${a.port}`,
      `  User ${sshd.user}`,
      `  IdentityFile ${sshd.clientKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${sshd.knownHostsPath}`,
      `  HostKeyAlias [127.0.0.1]:${sshd.port}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      ...extra.map((e) => `  ${e}`),
    );
  }
  const file = path.join(tempDir('sshcfg'), 'ssh_config');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export interface BenchWorker {
  name: string;
  host: string;
  dir: string;
  metrics: string;
  log?: string;
  process?: { pidFile: string } | { match: string };
}

/** A Vigil config: defaults everywhere unless `poll` or host settings are given. */
export function writeVigilConfig(opts: {
  sshConfig: string;
  hosts: Record<string, Record<string, unknown>>;
  workers: BenchWorker[];
  poll?: string;
}): string {
  const doc: Record<string, unknown> = {
    sshConfig: opts.sshConfig,
    ...(opts.poll ? { poll: opts.poll } : {}),
    hosts: opts.hosts,
    workers: opts.workers,
  };
  const file = path.join(tempDir('cfg'), 'config.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

/** Runs a command; resolves with its stdout (rejects on a non-zero exit). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { encoding: 'buffer', maxBuffer: 1 << 30, timeout: opts.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr.toString()}`));
        else resolve(stdout);
      },
    );
  });
}

/** One JSONL training record of about `size` bytes. */
export function jsonlRecord(i: number, size = 160): string {
  const base = `{"epoch": ${1 + Math.floor(i / 100)}, "step": ${i}, "loss": ${(2 / (1 + i / 500) + (i % 7) * 0.001).toFixed(6)}, "lr": 0.0003`;
  const pad = Math.max(0, size - base.length - 14);
  return `${base}, "note": "${'x'.repeat(pad)}"}\n`;
}

export interface EngineRun {
  cpuPct: number;
  lagP99Ms: number;
  lagMaxMs: number;
  userPct: number;
  systemPct: number;
  /** CPU % per thread name (Linux): where the engine's time goes besides the main thread. */
  threadsPct: Record<string, number>;
  /** Context switches of the engine's main thread per second: how often it wakes up. */
  wakeupsPerS: number;
  running: number;
  workers: number;
  recordsAtStart: number;
  recordsAtEnd: number;
  samples: { t: number; rss: number; heap: number; fds: number }[];
}

/** Runs the engine alone in its own process (bench/engine-child.ts) and returns what it measured. */
export function runEngineChild(
  configPath: string,
  opts: { warmupMs: number; durationMs: number; sampleMs: number },
): Promise<EngineRun> {
  const child = path.join(path.dirname(new URL(import.meta.url).pathname), 'engine-child.ts');
  const args = ['--expose-gc', '--import', 'tsx', child];
  // BENCH_CPU_PROF=DIR: a V8 CPU profile of the engine child, to see where its time goes.
  if (process.env.BENCH_CPU_PROF) args.unshift('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
  args.push(configPath, tempDir('engine-data'));
  args.push(String(opts.warmupMs), String(opts.durationMs), String(opts.sampleMs));
  return run(process.execPath, args, { timeoutMs: opts.warmupMs + opts.durationMs + 120_000 }).then(
    (out) => JSON.parse(out.toString().trim().split('\n').at(-1)!) as EngineRun,
  );
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Host options for the Vigil configs the benches write, from BENCH_FOLLOW: "0" gives every host
 * `follow: false` (poll, as before following existed); unset (or "1", the default) writes nothing.
 */
export function hostOptionsFromEnv(): Record<string, unknown> {
  const v = process.env.BENCH_FOLLOW;
  if (v === undefined || v === '' || v === '1') return {};
  if (v === '0') return { follow: false };
  throw new Error(`bench: BENCH_FOLLOW must be "0", "1" or unset, not ${JSON.stringify(v)}`);
}

/** A word for a POSIX shell: as is when plainly safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** CPU ticks (utime + stime, 100 a second: USER_HZ) of one process so far, from /proc (Linux). */
export function procCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Time one process has run on a CPU so far, in ns (/proc/PID/schedstat): finer than stat's ticks. */
export function procRunNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

/** Resident memory of one process in bytes (VmRSS), from /proc (Linux). */
export function procRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/**
 * Whether a process on this machine holds `file` open next to an inotify instance: a `tail -F` that
 * follows it (for a "remote" that is the local sshd, whose processes share our /proc).
 */
export function tailFollowing(file: string): boolean {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (fds.includes(file) && fds.includes('anon_inode:inotify')) return true;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return false;
}

/** Proportional memory of one process in bytes (Pss: shared pages split among their users), from /proc. */
export function procPssBytes(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? Number.NaN) * 1024;
}

/** A long-lived `ssh -F cfg host tail ARGS…` (the naive follower): what it received, and its end. */
export interface SshFollower {
  readonly pid: number;
  /** Newline bytes read from its stdout so far. */
  readonly lines: number;
  /** Set when the ssh client exited (with what it said on stderr): a follower that stops is a bench error. */
  readonly exited: string | null;
  /** Kills this ssh client (by its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `ssh -F sshConfig host tail <tailArgs>` (the system ssh, no shell in between locally, so the
 * PID is the ssh client's). `onLine`, when given, gets each complete line and when its newline arrived
 * (performance.now()); without it only newlines are counted.
 */
export function followOverSsh(
  sshConfig: string,
  host: string,
  tailArgs: string[],
  onLine?: (line: string, at: number) => void,
): SshFollower {
  const child = spawn('ssh', ['-F', sshConfig, host, ['tail', ...tailArgs].map(shellWord).join(' ')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`bench: could not start ssh to ${host}`);
  let lines = 0;
  let partial = '';
  let stderr = '';
  let exited: string | null = null;
  const done = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `ssh to ${host} exited (${signal ?? code}): ${stderr.trim().slice(-300)}`;
      resolve();
    });
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-2000);
  });
  child.stdout.on('data', (b: Buffer) => {
    const at = performance.now();
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
    if (!onLine) return;
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop()!;
    for (const line of parts) onLine(line, at);
  });
  const pid = child.pid;
  return {
    pid,
    get lines() {
      return lines;
    },
    get exited() {
      return exited;
    },
    async stop() {
      if (exited === null) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await Promise.race([done, sleep(5000)]);
      if (exited === null) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await done;
      }
    },
  };
}

/**
 * `n` workers on `host`, each a folder under `dir` holding metrics.jsonl (with `initial`) and a pid file
 * naming this process (so each is "running"): their metrics files, and their entries for the config.
 */
export function pidFileWorkers(dir: string, n: number, host: string, initial: string) {
  const files: string[] = [];
  const workers = Array.from({ length: n }, (_, w) => {
    const wdir = path.join(dir, `w${w}`);
    mkdirSync(wdir);
    files.push(path.join(wdir, 'metrics.jsonl'));
    writeFileSync(files[w]!, initial);
    writeFileSync(path.join(wdir, 'train.pid'), `${process.pid}\n`);
    return { name: `w${w}`, host, dir: wdir, metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' } };
  });
  return { files, workers };
}

/**
 * A host's first tick (connect, first reads, first vitals), then, when `follow`, ticks until its follower
 * runs, as fleet.start() does. A bench of follow mode whose host is not followed is a bench error.
 */
export async function firstTicks(host: HostRuntime, follow: boolean): Promise<void> {
  if (follow) host.enableFollow();
  await host.tick();
  for (let i = 0; follow && i < 40 && host.followStatus().mode !== 'follow'; i++) {
    await sleep(250);
    await host.tick();
  }
  if (follow && host.followStatus().mode !== 'follow')
    throw new Error(`bench: the host was not followed: ${host.followStatus().detail}`);
}
