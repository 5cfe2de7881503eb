// Shared by the file-fault tests: a healthy worker (a real trainer) beside a faulty one (a file the
// test writes by hand), on the real sshd, watched by a real Fleet; and the checks that the healthy one
// stayed right.

import { appendFileSync, chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import type { Fleet } from '../../src/main/engine/fleet/fleet';
import { openFleet } from '../../src/main/engine/fleet/open-fleet';
import type { WorkerSnapshot } from '../../src/shared/model';
import { freshDataDir, until, type WorkerSpec, writeConfig } from '../integration/helpers';
import type { Sshd } from '../support/sshd';
import { startTrainer, type Trainer } from '../support/trainer';

export const HEALTHY = 'Healthy';
export const FAULTY = 'Faulty';

export function rec(epoch: number, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ epoch, step: epoch * 10, loss: 1 / epoch, ...extra })}\n`;
}

export function recs(from: number, to: number): string {
  let s = '';
  for (let e = from; e <= to; e++) s += rec(e);
  return s;
}

export function worker(fleet: Fleet, name: string): WorkerSnapshot {
  const w = fleet.snapshot().workers.find((x) => x.name === name);
  if (!w) throw new Error(`no worker ${name}`);
  return w;
}

/** A folder the remote user can read (mkdtemp makes 0700). */
export function remoteDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface Scene {
  fleet: Fleet;
  dataDir: string;
  trainer: Trainer;
  dir: string;
  file: string;
  /** Waits until the faulty worker matches, returns the ms it took. */
  waitFor(ok: (w: WorkerSnapshot) => boolean, what: string, timeoutMs?: number): Promise<number>;
  faulty(): WorkerSnapshot;
  /** The healthy worker is running, caught up with its trainer, its mirror a byte-exact prefix. */
  checkHealthy(): Promise<void>;
  stop(): Promise<void>;
}

export async function scene(
  sshd: Sshd,
  faulty: Omit<WorkerSpec, 'name' | 'dir'> & { dir?: string },
  opts: {
    initial?: string | Buffer;
    dataDir?: string;
    /** Writes the config (given the healthy trainer's folder) and returns its path. */
    config?: (healthyDir: string, faultyDir: string) => string;
    fileName?: string;
  } = {},
): Promise<Scene> {
  const trainer = await startTrainer({ format: 'jsonl', epochs: 100_000, intervalMs: 100 });
  chmodSync(trainer.dir, 0o755);
  const dir = faulty.dir ?? remoteDir('vigil-chaos-file-');
  const fileName = opts.fileName ?? (typeof faulty.metrics === 'string' ? faulty.metrics : 'metrics.jsonl');
  const file = path.join(dir, fileName);
  if (opts.initial !== undefined) writeFileSync(file, opts.initial);
  const workers: WorkerSpec[] = [
    { name: HEALTHY, dir: trainer.dir, metrics: 'metrics.jsonl' },
    { ...faulty, name: FAULTY, dir },
  ];
  const configPath = opts.config?.(trainer.dir, dir) ?? writeConfig(sshd, workers, { poll: '250ms' });
  const dataDir = opts.dataDir ?? freshDataDir();
  const { fleet } = await openFleet({ configPath, dataDir });
  fleet.start();
  await until(
    () => worker(fleet, HEALTHY),
    (w) => w.status === 'running' && w.records >= 2,
    20_000,
    'healthy worker running',
  );
  const s: Scene = {
    fleet,
    dataDir,
    trainer,
    dir,
    file,
    faulty: () => worker(fleet, FAULTY),
    async waitFor(ok, what, timeoutMs = 20_000) {
      const t0 = Date.now();
      await until(() => worker(fleet, FAULTY), ok, timeoutMs, what);
      return Date.now() - t0;
    },
    async checkHealthy() {
      const before = worker(fleet, HEALTHY).records;
      // Still moving forward, then caught up exactly with what the trainer wrote.
      await until(
        () => worker(fleet, HEALTHY),
        (w) => w.status === 'running' && w.records > before,
        10_000,
        'healthy worker still progressing',
      );
      trainer.pause();
      try {
        const h = await until(
          () => worker(fleet, HEALTHY),
          (w) => w.records === trainer.records(),
          10_000,
          'healthy worker caught up',
        );
        expect(h.status).toBe('running');
        expect(h.reason).not.toMatch(/skipped|truncated|replaced|not found|readable|line/);
        const mirror = readFileSync(h.mirror!);
        const remote = readFileSync(trainer.metricsPath);
        expect(mirror.equals(remote.subarray(0, mirror.length))).toBe(true);
        expect(mirror.length).toBe(remote.length);
      } finally {
        trainer.resume();
      }
    },
    async stop() {
      await fleet.stop();
      await trainer.stop();
    },
  };
  return s;
}

/** A scene for the length of `body`, stopped after it whatever happens. */
export async function withScene(
  sshd: Sshd,
  faulty: Parameters<typeof scene>[1],
  opts: Parameters<typeof scene>[2],
  body: (s: Scene) => Promise<void>,
): Promise<void> {
  const s = await scene(sshd, faulty, opts);
  try {
    await body(s);
  } finally {
    await s.stop();
  }
}

/** Appends `mb` MiB of pseudo-random bytes (an LCG from `seed`), one MiB at a time as a runaway process would. */
export function appendNoise(file: string, seed: number, mb: number): void {
  let x = seed;
  const piece = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) {
    for (let k = 0; k < piece.length; k++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      piece[k] = x >> 16;
    }
    appendFileSync(file, piece);
  }
}

/** True once `file` exists and holds `size` bytes (false while it is missing). */
export function hasSize(file: () => string, size: number): () => boolean {
  return () => {
    try {
      return readFileSync(file()).length === size;
    } catch {
      return false;
    }
  };
}

/** A real collection, so "memory retained" is measured, not guessed (the flag is set at runtime). */
export function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  const fn = runInNewContext('gc') as () => void;
  fn();
  fn();
}

/** MB held by the JS heap and by buffers after a full collection. */
export function retainedMb(): number {
  gc();
  const m = process.memoryUsage();
  return Math.round(((m.heapUsed + m.arrayBuffers) / 2 ** 20) * 10) / 10;
}
