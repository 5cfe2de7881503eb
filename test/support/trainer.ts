// Typed launcher for fake-trainer.mjs: a real process writing real metric files, controlled by signals
// (SIGSTOP/SIGCONT to pause, SIGUSR1 to crash, SIGUSR2 to finish, SIGTERM to stop).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onExitCleanup } from './cleanup';
import { signalAll, sleep } from './proc';

export const FAKE_TRAINER_PATH = fileURLToPath(new URL('./fake-trainer.mjs', import.meta.url));

export type TrainerFormat = 'jsonl' | 'csv' | 'text';

export interface TrainerOptions {
  /** Output dir; a fresh temp dir (removed by stop()) when omitted. */
  dir?: string;
  format: TrainerFormat;
  epochs: number;
  intervalMs: number;
  stepsPerEpoch?: number;
  /** Metrics file name or path, relative to dir. Default by format: metrics.jsonl / metrics.csv / train.txt. */
  metrics?: string;
  log?: string;
  pid?: string;
  /** Appears as `--tag TAG` on the command line so a process pattern can find the run. Random by default. */
  tag?: string;
  startLoss?: number;
  startEpoch?: number;
}

export interface Trainer {
  readonly pid: number;
  readonly dir: string;
  readonly metricsPath: string;
  readonly logPath: string;
  readonly pidPath: string;
  readonly tag: string;
  /** Exit code once the process is gone (143 after stop(), null if killed by a signal). */
  readonly exited: Promise<number | null>;
  pause(): void;
  resume(): void;
  /** SIGUSR1: traceback in the log, exit 1. Resolves with the exit code. */
  crash(): Promise<number | null>;
  /** SIGUSR2: all remaining epochs at once, "Training complete", exit 0. Resolves with the exit code. */
  finish(): Promise<number | null>;
  /** SIGTERM (SIGKILL after 2 s); removes the dir only if the launcher created it. */
  stop(): Promise<void>;
  /** Complete records (newline-terminated data lines) in the metrics file now. */
  records(): number;
  waitForRecords(n: number, timeoutMs?: number): Promise<void>;
}

export function defaultMetricsName(format: TrainerFormat): string {
  return { jsonl: 'metrics.jsonl', csv: 'metrics.csv', text: 'train.txt' }[format];
}

/** Command-line arguments for fake-trainer.mjs, e.g. to start it on the far side of an ssh session. */
export function trainerArgs(opts: TrainerOptions & { dir: string; tag: string }): string[] {
  const args = ['--dir', opts.dir, '--format', opts.format, '--epochs', String(opts.epochs)];
  args.push('--interval-ms', String(opts.intervalMs), '--tag', opts.tag);
  const optional: [string, string | number | undefined][] = [
    ['--steps-per-epoch', opts.stepsPerEpoch],
    ['--metrics', opts.metrics],
    ['--log', opts.log],
    ['--pid', opts.pid],
    ['--start-loss', opts.startLoss],
    ['--start-epoch', opts.startEpoch],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, String(value));
  return args;
}

/**
 * Counts complete records: only newline-terminated lines (a partial last line is still being written)
 * that look like data — so a CSV header, or log lines sharing the file with text records, do not count.
 */
export function countRecords(text: string, format: TrainerFormat): number {
  const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  const isRecord = { jsonl: /^\{/, csv: /^\d/, text: /^Epoch \d+\/\d+ - / }[format];
  return complete.filter((line) => isRecord.test(line)).length;
}

class TrainerProcess implements Trainer {
  readonly exited: Promise<number | null>;
  private running = true;
  private paused = false;
  private stderr = '';
  private readonly unregister: () => void;

  constructor(
    private readonly child: ChildProcess & { pid: number },
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly format: TrainerFormat,
    readonly metricsPath: string,
    readonly logPath: string,
    readonly pidPath: string,
    readonly tag: string,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-16 * 1024);
    });
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code) => {
        this.running = false;
        resolveExit(code);
      });
    });
    this.unregister = onExitCleanup(() => {
      if (this.running) signalAll([this.pid], 'SIGKILL');
      if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  stderrText(): string {
    return this.stderr;
  }

  /** Signals only while our child runs: after exit the PID may belong to someone else. */
  private signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    signalAll([this.pid], sig);
    // A stopped process only acts on its pending signal once continued.
    if (this.paused && sig !== 'SIGSTOP' && sig !== 'SIGCONT') signalAll([this.pid], 'SIGCONT');
  }

  pause(): void {
    this.signal('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  crash(): Promise<number | null> {
    this.signal('SIGUSR1');
    return this.exited;
  }

  finish(): Promise<number | null> {
    this.signal('SIGUSR2');
    return this.exited;
  }

  async stop(): Promise<void> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    this.unregister();
  }

  records(): number {
    try {
      return countRecords(readFileSync(this.metricsPath, 'utf8'), this.format);
    } catch {
      return 0; // Not created yet.
    }
  }

  async waitForRecords(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.records() < n) {
      if (Date.now() > deadline) {
        throw new Error(`trainer ${this.tag}: ${this.records()} of ${n} records after ${timeoutMs} ms`);
      }
      await sleep(10);
    }
  }
}

/** Starts the fake trainer; resolves once it has written its pid file (so it is parsing-clean and running). */
export async function startTrainer(opts: TrainerOptions): Promise<Trainer> {
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vigil-trainer-'));
  const tag = opts.tag ?? `vigil-run-${Math.random().toString(36).slice(2, 10)}`;
  const args = trainerArgs({ ...opts, dir, tag });
  const child = spawn(process.execPath, [FAKE_TRAINER_PATH, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn the fake trainer');
  const trainer = new TrainerProcess(
    child as ChildProcess & { pid: number },
    dir,
    ownsDir,
    opts.format,
    resolve(dir, opts.metrics ?? defaultMetricsName(opts.format)),
    resolve(dir, opts.log ?? 'train.log'),
    resolve(dir, opts.pid ?? 'train.pid'),
    tag,
  );

  let done = false;
  void trainer.exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 10_000;
  while (readPid(trainer.pidPath) !== trainer.pid) {
    if (done || Date.now() > deadline) {
      await trainer.stop();
      throw new Error(`fake trainer did not start: ${trainer.stderrText() || 'no pid file in 10 s'}`);
    }
    await sleep(10);
  }
  return trainer;
}

function readPid(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}
