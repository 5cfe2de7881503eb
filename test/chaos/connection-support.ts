// Shared by the connection fault tests: a connector that counts attempts and connects in flight, a
// recorder of status transitions, record-by-record comparison of the remote file with what the
// engine holds, and configs that point a host at a proxy or a tarpit.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Fleet } from '../../src/main/engine/fleet/fleet';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import { createSsh2Connector } from '../../src/main/engine/ssh/connection';
import type { ResolvedHost, SshConnector, SshSession } from '../../src/main/engine/ssh/types';
import type { WorkerSnapshot } from '../../src/shared/model';
import { freshDataDir, hostFor, until, writeConfig } from '../integration/helpers';
import { type Sshd, type SshdOptions, startSshd } from '../support/sshd';
import type { TcpProxy } from '../support/tcp-proxy';
import { startTrainer, type Trainer } from '../support/trainer';
import { type ChaosRow, recordRow, rssMb } from './table';

/** Wraps a connector: every connect is counted, and connects in flight at once are measured. */
export interface CountingConnector extends SshConnector {
  attempts: number;
  inFlight: number;
  maxInFlight: number;
  /** ms (Date.now) when each attempt started. */
  startedAt: number[];
  sessions: SshSession[];
}

export function countingConnector(inner: SshConnector): CountingConnector {
  const c: CountingConnector = {
    attempts: 0,
    inFlight: 0,
    maxInFlight: 0,
    startedAt: [],
    sessions: [],
    async connect(host: ResolvedHost, opts) {
      c.attempts++;
      c.startedAt.push(Date.now());
      c.inFlight++;
      c.maxInFlight = Math.max(c.maxInFlight, c.inFlight);
      try {
        const s = await inner.connect(host, opts);
        c.sessions.push(s);
        return s;
      } finally {
        c.inFlight--;
      }
    },
  };
  return c;
}

export function workerOf(fleet: Fleet, name: string): WorkerSnapshot {
  const w = fleet.snapshot().workers.find((x) => x.name === name);
  if (!w) throw new Error(`no worker ${name}`);
  return w;
}

/** Samples a worker every `everyMs` and keeps each change of status or connection, with its time. */
export class Transitions {
  readonly seen: { at: number; status: string; connection: string; reason: string }[] = [];
  private timer: NodeJS.Timeout;

  constructor(
    private readonly fleet: Fleet,
    private readonly worker: string,
    everyMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const w = workerOf(this.fleet, this.worker);
    const last = this.seen.at(-1);
    if (!last || last.status !== w.status || last.connection !== w.connection)
      this.seen.push({ at: Date.now(), status: w.status, connection: w.connection, reason: w.reason });
  }

  /** First time at or after `since` when `pred` held. */
  firstAfter(since: number, pred: (s: { status: string; connection: string }) => boolean): number | null {
    this.sample();
    const hit = this.seen.find((s) => s.at >= since && pred(s));
    if (hit) return hit.at;
    // The state may have been entered before `since` and still hold.
    const before = [...this.seen].reverse().find((s) => s.at < since);
    const after = this.seen.find((s) => s.at >= since);
    return before && !after && pred(before) ? since : null;
  }

  /** The sequence of one field since `since`, repeats collapsed, e.g. "ok → degraded → ok". */
  sequence(field: 'status' | 'connection', since = 0): string[] {
    this.sample();
    const out: string[] = [];
    const start = [...this.seen].reverse().find((s) => s.at <= since);
    for (const s of [...(start ? [start] : []), ...this.seen.filter((x) => x.at > since)]) {
      if (out.at(-1) !== s[field]) out.push(s[field]);
    }
    return out;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Epochs of the complete JSONL records in a file (the fake trainer writes one record per epoch). */
export function fileEpochs(file: string): number[] {
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
}

/** Records the engine lacks (lost) and holds more than once (duplicated), by epoch. */
export function compareEpochs(
  remote: readonly number[],
  held: readonly (number | null)[],
): {
  lost: number;
  duplicated: number;
} {
  const count = new Map<number | null, number>();
  for (const e of held) count.set(e, (count.get(e) ?? 0) + 1);
  let lost = 0;
  let duplicated = 0;
  for (const e of remote) {
    const n = count.get(e) ?? 0;
    if (n === 0) lost++;
    else if (n > 1) duplicated += n - 1;
    count.delete(e);
  }
  // Records the remote never had are duplicates of a sort (garbage): count them too.
  for (const n of count.values()) duplicated += n;
  return { lost, duplicated };
}

/** A known_hosts file that vouches for the test sshd's key under 127.0.0.1:port (a proxy in front). */
export function knownHostsFor(sshd: Sshd, port: number): string {
  const key = readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-kh-')), 'known_hosts');
  writeFileSync(file, `[127.0.0.1]:${port} ${key}\n`);
  return file;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The most connect attempts the backoff (1 s doubling to 60 s, jitter ½–1) allows in a window: every
 * delay at its jitter floor and every attempt instant, plus the attempt at the window's start.
 */
export function maxAttemptsByBackoff(windowMs: number): number {
  let t = 0;
  let n = 1;
  for (let k = 0; ; k++) {
    t += Math.min(60_000, 1000 * 2 ** k) / 2;
    if (t > windowMs) return n;
    n++;
  }
}

export interface FaultDraft extends Omit<ChaosRow, 'fault' | 'expected' | 'pass' | 'observed'> {
  /** What was seen, in a few words; failed checks are appended. */
  observed: string[];
  /** Notes a failed expectation without stopping the test (the row is still recorded). */
  check(ok: boolean, what: string): void;
  /** Runs at the end, pass or fail (stop processes, remove dirs). */
  defer(fn: () => unknown): void;
}

/**
 * Runs one fault: `body` fills the row and calls `check` for each expectation. The row is recorded
 * whatever happens (a timeout too, as FAIL with its message), then the test fails if any check did.
 */
export async function fault(
  name: string,
  expected: string,
  body: (r: FaultDraft) => Promise<void>,
): Promise<void> {
  const failures: string[] = [];
  const cleanups: (() => unknown)[] = [];
  const r: FaultDraft = {
    observed: [],
    detectionMs: null,
    recoveryMs: null,
    recordsLost: null,
    recordsDuplicated: null,
    connectionAttempts: null,
    rssBeforeMb: rssMb(),
    rssAfterMb: null,
    check(ok, what) {
      if (!ok) failures.push(what);
    },
    defer(fn) {
      cleanups.push(fn);
    },
  };
  let error: unknown = null;
  try {
    await body(r);
  } catch (e) {
    error = e;
  }
  r.rssAfterMb ??= rssMb(); // a test whose engine runs in a child reports the child's
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // Best effort: the next fault starts its own processes.
    }
  }
  const problems = [...failures, ...(error ? [`error: ${(error as Error).message.split('\n')[0]}`] : [])];
  const { check: _c, defer: _d, observed, ...figures } = r;
  recordRow({
    fault: name,
    expected,
    observed: [...observed, ...problems.map((p) => `✗ ${p}`)].join('; '),
    ...figures,
    pass: problems.length === 0,
  });
  if (error) throw error;
  expect(failures).toEqual([]);
}

export interface ChildState {
  t: number;
  attempts: number;
  probes: number;
  rssMb: number;
  workers: { name: string; status: string; connection: string; records: number; mirror: string | null }[];
}

/** The engine in a child process (connection-engine-child.ts), its printed states and alerts. */
export class EngineChild {
  readonly states: ChildState[] = [];
  readonly alerts: { t: number; alert: { kind: string; message: string } }[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  private buf = '';
  stderr = '';

  constructor(configPath: string, dataDir: string) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CHILD, configPath, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((r) => this.proc.once('exit', () => r()));
    this.proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.buf += chunk;
      const lines = this.buf.split('\n');
      this.buf = lines.pop() ?? '';
      for (const l of lines) {
        if (!l.trim()) continue;
        const o = JSON.parse(l);
        if (o.alert) this.alerts.push(o);
        else this.states.push(o);
      }
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (c: string) => {
      this.stderr = (this.stderr + c).slice(-8000);
    });
  }

  get last(): ChildState | undefined {
    return this.states.at(-1);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(sig);
  }

  async stop(): Promise<void> {
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

const CHILD = new URL('./connection-engine-child.ts', import.meta.url).pathname;

type Defers = Pick<FaultDraft, 'defer'>;
type Checks = Pick<FaultDraft, 'check'>;

/** A test sshd, stopped when the fault ends. */
export async function sshdFor(r: Defers, opts?: SshdOptions): Promise<Sshd> {
  const sshd = await startSshd(opts);
  r.defer(() => sshd.stop());
  return sshd;
}

/** A fake trainer writing JSONL every `intervalMs`, stopped when the fault ends. */
export async function trainerFor(r: Defers, intervalMs = 100): Promise<Trainer> {
  const trainer = await startTrainer({ format: 'jsonl', epochs: 1_000_000, intervalMs });
  r.defer(() => trainer.stop());
  return trainer;
}

/**
 * Faults that check every record was parsed exactly once compare the engine's records with the remote
 * file one by one, so their engines hold every record (the default bound thins a long run's history).
 */
export const HOLD_EVERY_RECORD = 1_000_000;

/** A fleet on `configPath` through a counting connector, stopped when the fault ends (not started). */
export async function countedFleet(
  r: Defers,
  configPath: string,
  opts: { connector?: CountingConnector; dataDir?: string } = {},
): Promise<{ fleet: Fleet; connector: CountingConnector }> {
  const connector = opts.connector ?? countingConnector(createSsh2Connector());
  const { fleet } = await openFleet({
    configPath,
    dataDir: opts.dataDir ?? freshDataDir(),
    connector,
    recordsHeldPerWorker: HOLD_EVERY_RECORD,
  });
  r.defer(() => fleet.stop());
  return { fleet, connector };
}

/** Status transitions of worker `w`, sampled until the fault ends. */
export function transitionsOf(r: Defers, fleet: Fleet): Transitions {
  const tr = new Transitions(fleet, 'w');
  r.defer(() => tr.stop());
  return tr;
}

/** Waits until worker `w` matches `ok`; returns it. */
export function untilWorker(
  fleet: Fleet,
  ok: (w: WorkerSnapshot) => boolean,
  timeoutMs: number,
  what: string,
): Promise<WorkerSnapshot> {
  return until(() => workerOf(fleet, 'w'), ok, timeoutMs, what);
}

/** Host settings that reach the test sshd through `proxy` (its key vouched for under the proxy's port). */
export function viaProxy(
  sshd: Sshd,
  proxy: Pick<TcpProxy, 'port'>,
  extra: Record<string, unknown> = {},
): Record<string, Record<string, unknown>> {
  return {
    [sshd.alias]: hostFor({ port: proxy.port, knownHostsFile: knownHostsFor(sshd, proxy.port), ...extra }),
  };
}

/** A remote JSONL file of `n` records (about 25 MB for 400 000) in a fresh folder; returns its size. */
export async function bigMetricsFile(
  prefix: string,
  n: number,
): Promise<{ dir: string; file: string; total: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'metrics.jsonl');
  const lines: string[] = [];
  for (let e = 1; e <= n; e++)
    lines.push(`{"epoch":${e},"step":${e * 10},"loss":${(1 / e).toFixed(12)},"lr":0.0001}\n`);
  writeFileSync(file, lines.join(''));
  return { dir, file, total: statSync(file).size };
}

/** Never more than one connect in flight at once. */
export function checkOneInFlight(r: Checks, connector: CountingConnector): void {
  r.check(connector.maxInFlight === 1, `${connector.maxInFlight} connects in flight at once`);
}

/** The pauses between connect attempts, for the observed column: "gaps 0.6, 1.2 s". */
export function gapsText(connector: CountingConnector): string {
  const gaps = connector.startedAt.slice(1).map((t, i) => t - connector.startedAt[i]!);
  return `gaps ${gaps.map((g) => (g / 1000).toFixed(1)).join(', ')} s`;
}

/** Compares the remote file's records with the epochs the engine holds; fills lost/duplicated, checks both 0. */
export function checkEpochs(
  r: Checks & Pick<FaultDraft, 'recordsLost' | 'recordsDuplicated'>,
  remoteFile: string,
  held: readonly (number | null)[],
  label = 'lost',
): void {
  const cmp = compareEpochs(fileEpochs(remoteFile), held);
  r.recordsLost = cmp.lost;
  r.recordsDuplicated = cmp.duplicated;
  r.check(cmp.lost === 0 && cmp.duplicated === 0, `${label} ${cmp.lost}, duplicated ${cmp.duplicated}`);
}

/** The mirror is the remote file, byte for byte. */
export function checkMirror(r: Checks, mirror: string, remoteFile: string): void {
  r.check(readFileSync(mirror).equals(readFileSync(remoteFile)), 'the mirror differs from the remote file');
}

/**
 * Starts `fleet` on a host that never gets as far as a session: worker `w` unreachable within the
 * 2 s connect bound, then no more connect attempts over `windowMs` (from the start) than the backoff
 * allows. Returns the worker as first seen unreachable, and the attempts counted.
 */
export async function startUnreachable(
  r: Checks & Pick<FaultDraft, 'detectionMs'>,
  fleet: Fleet,
  connector: CountingConnector,
  windowMs: number,
): Promise<{ seen: WorkerSnapshot; attempts: number; allowed: number }> {
  const startedAt = Date.now();
  fleet.start();
  const seen = await untilWorker(fleet, (w) => w.status === 'unreachable', 10_000, 'unreachable');
  const detectionMs = Date.now() - startedAt;
  r.detectionMs = detectionMs;
  r.check(detectionMs < 3500, `unreachable after ${detectionMs} ms (connect bound 2 s)`);
  await sleep(windowMs - detectionMs);
  const attempts = connector.attempts;
  const allowed = maxAttemptsByBackoff(windowMs);
  r.check(attempts <= allowed, `${attempts} attempts in ${windowMs} ms (backoff allows ${allowed})`);
  return { seen, attempts, allowed };
}

/** A trainer writing JSONL every `intervalMs` and a fleet watching it through `sshd` (or `hosts`). */
export async function watched(
  r: Defers,
  sshd: Sshd,
  opts: { intervalMs?: number; hosts?: Record<string, Record<string, unknown>>; poll?: string } = {},
) {
  const trainer = await trainerFor(r, opts.intervalMs ?? 100);
  const cfg = writeConfig(
    sshd,
    [{ name: 'w', dir: trainer.dir, metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' } }],
    { hosts: opts.hosts, poll: opts.poll },
  );
  const dataDir = freshDataDir();
  const { fleet, connector } = await countedFleet(r, cfg, { dataDir });
  fleet.start();
  await untilWorker(fleet, (w) => w.status === 'running' && w.records >= 3, 20_000, 'running');
  return { trainer, fleet, connector, cfg, dataDir };
}

/** Pauses the trainer, waits until the engine holds every record, compares records and mirror bytes. */
export async function settle(
  r: Checks & Pick<FaultDraft, 'recordsLost' | 'recordsDuplicated'>,
  trainer: Trainer,
  fleet: Fleet,
): Promise<void> {
  trainer.pause();
  const remoteRecords = trainer.records();
  await until(
    () => workerOf(fleet, 'w').records,
    (n) => n >= remoteRecords,
    30_000,
    `the engine to hold all ${remoteRecords} records`,
  );
  await sleep(500); // one more poll: nothing beyond the file may appear
  checkEpochs(r, trainer.metricsPath, fleet.worker('w')!.records.heldEpochs(), 'records lost');
  checkMirror(r, workerOf(fleet, 'w').mirror!, trainer.metricsPath);
  trainer.resume();
}
