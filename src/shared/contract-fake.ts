// An in-process ContractBackend with a believable fleet (I3D, SlowFast, Transformer, MagVIT), for
// component tests, transport tests and running the UI before the engine is wired in. Deterministic:
// the same options give the same snapshot and the same series.

import type {
  AlertEvent,
  CommandName,
  ContractBackend,
  EventListener,
  EventName,
  Events,
  MetricSeries,
  NonFiniteStretch,
  ProgressEvent,
  SeriesOptions,
  SeriesPoint,
  SeriesResult,
} from './contract';
import { defaultHosts, FAKE_RESOURCES, fakeResourceHistory } from './contract-fake-hosts';
import type { FleetSnapshot, HostSnapshot, WorkerSnapshot } from './model';

/** Reduces one raw series to at most maxPoints points. The engine's LTTB fits this shape. */
export type Downsampler = (xs: Float64Array, ys: Float64Array, maxPoints: number) => SeriesPoint[];

export interface FakeBackendOptions {
  /** "Now" in ms; times in the snapshot are relative to it. */
  now?: number;
  /** Raw points per metric series (default 2000; pass 1_000_000 for the big-run case). */
  seriesLength?: number;
  /** As the engine says of a long run whose older records it holds thinned. */
  thinned?: SeriesResult['thinned'];
  /** Default: keep every k-th point with its bucket's min/max. */
  downsample?: Downsampler;
  /** Replaces the four default workers ([] gives the empty state). */
  workers?: WorkerSnapshot[];
  /** Replaces the default hosts (ec2 with a memory warning, gpu-box silent). */
  hosts?: HostSnapshot[];
  configError?: string | null;
}

export interface FakeBackend extends ContractBackend {
  /** Every command received, in order, with its (validated) arguments. */
  readonly calls: { command: CommandName; args: unknown[] }[];
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** Replaces the fleet and pushes a `snapshot` event. */
  setSnapshot(snapshot: FleetSnapshot): void;
  snapshot(): FleetSnapshot;
  /** Shorthand that pushes an `alert` event. */
  alert(worker: string, kind: AlertEvent['kind'], message: string): void;
}

const MINUTE = 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function fakeWorker(
  now: number,
  overrides: Partial<WorkerSnapshot> & { name: string },
): WorkerSnapshot {
  const w: WorkerSnapshot = {
    host: 'ec2',
    status: 'running',
    reason: 'progress is fresh',
    epoch: 12,
    totalEpochs: 50,
    step: 24_000,
    loss: 0.4213,
    lossMetric: 'loss',
    metrics: { loss: 0.4213, val_loss: 0.5102, lr: 0.0003, acc: 0.871 },
    records: 2000,
    lastProgressAt: iso(now - 30_000),
    lastContactAt: iso(now - 2_000),
    mirror: `~/Vigil/${overrides.name}/results/metrics.jsonl`,
    connection: 'ok',
    process: 'running',
    format: 'jsonl',
    logTail: [],
    sync: [],
    resources: FAKE_RESOURCES[overrides.name] ?? { rssBytes: null, cpuPct: null, gpuMemBytes: null },
    ...overrides,
  };
  if (!overrides.logTail)
    w.logTail = [
      `[${w.name}] epoch ${w.epoch} step ${w.step} loss ${w.loss}`,
      `[${w.name}] saved checkpoint`,
    ];
  return w;
}

export function defaultFleet(now: number): WorkerSnapshot[] {
  return [
    fakeWorker(now, { name: 'I3D' }),
    fakeWorker(now, {
      name: 'SlowFast',
      status: 'late',
      reason: 'no progress for 9 min (usual pace 4 min)',
      epoch: 7,
      step: 14_000,
      loss: 0.8121,
      metrics: { loss: 0.8121, val_loss: 0.9033, lr: 0.0005 },
      lastProgressAt: iso(now - 9 * MINUTE),
    }),
    fakeWorker(now, {
      name: 'Transformer',
      status: 'stalled',
      reason: 'no progress for 42 min while the host answers',
      epoch: 3,
      totalEpochs: 100,
      step: 6_000,
      loss: 1.9034,
      lossMetric: 'train_loss',
      metrics: { train_loss: 1.9034, val_loss: 2.11 },
      lastProgressAt: iso(now - 42 * MINUTE),
    }),
    fakeWorker(now, {
      name: 'MagVIT',
      host: 'gpu-box',
      status: 'unreachable',
      reason: 'gpu-box did not answer for 5 min',
      epoch: 20,
      totalEpochs: 40,
      step: 40_000,
      loss: 0.1502,
      metrics: { loss: 0.1502, recon_loss: 0.0931, lr: 0.0001 },
      lastProgressAt: iso(now - 6 * MINUTE),
      lastContactAt: iso(now - 5 * MINUTE),
      connection: 'unreachable',
      process: 'unknown',
    }),
  ];
}

/** mulberry32: a tiny seeded PRNG so the fake curves are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

interface RawSeries {
  step: Float64Array;
  epoch: Float64Array;
  time: Float64Array;
  value: Float64Array;
}

function generateSeries(worker: WorkerSnapshot, metric: string, length: number, now: number): RawSeries {
  const random = rng(hash(`${worker.name}/${metric}`));
  const lastStep = worker.step ?? length;
  const lastEpoch = worker.epoch ?? 1;
  const end = worker.lastProgressAt ? Date.parse(worker.lastProgressAt) : now;
  const span = 6 * 3_600_000;
  const target = worker.metrics[metric] ?? 0.1;
  const out: RawSeries = {
    step: new Float64Array(length),
    epoch: new Float64Array(length),
    time: new Float64Array(length),
    value: new Float64Array(length),
  };
  for (let i = 0; i < length; i++) {
    const f = length === 1 ? 1 : i / (length - 1);
    out.step[i] = Math.round(f * lastStep);
    out.epoch[i] = f * lastEpoch;
    out.time[i] = end - span * (1 - f);
    const decay = Math.exp(-4 * f);
    out.value[i] = target * (1 + 4 * decay) * (1 + 0.08 * (random() - 0.5));
  }
  // The Transformer run logged a stretch of NaN losses: the chart must show a break there.
  if (worker.name === 'Transformer')
    out.value.fill(Number.NaN, Math.floor(length * 0.6), Math.floor(length * 0.65));
  out.value[length - 1] = target;
  return out;
}

const strideDownsample: Downsampler = (xs, ys, maxPoints) => {
  const n = xs.length;
  const size = Math.max(1, Math.ceil(n / maxPoints));
  const points: SeriesPoint[] = [];
  for (let start = 0; start < n; start += size) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = start; i < Math.min(n, start + size); i++) {
      const v = ys[i]!;
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    const y = ys[start]!;
    const found = min <= max;
    points.push({
      x: xs[start]!,
      y: Number.isFinite(y) ? y : null,
      min: found ? min : null,
      max: found ? max : null,
    });
  }
  return points;
};

export function createFakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const now = options.now ?? Date.now();
  const length = options.seriesLength ?? 2000;
  const downsample = options.downsample ?? strideDownsample;
  const workers = options.workers ?? defaultFleet(now);
  let fleet: FleetSnapshot = {
    generatedAt: iso(now),
    workers,
    hosts: options.hosts ?? defaultHosts(now, workers),
    configError: options.configError ?? null,
  };
  const listeners = new Set<EventListener>();
  const cache = new Map<string, RawSeries>();
  const calls: FakeBackend['calls'] = [];

  const record = (command: CommandName, args: unknown[]) => {
    calls.push({ command, args });
  };
  const emit: FakeBackend['emit'] = (event, payload) => {
    for (const l of [...listeners]) l(event, payload);
  };
  const worker = (name: string): WorkerSnapshot => {
    const w = fleet.workers.find((x) => x.name === name);
    if (!w) throw new Error(`no worker named ${JSON.stringify(name)}`);
    return w;
  };

  function series(w: WorkerSnapshot, metric: string, opts: SeriesOptions): MetricSeries {
    if (!(metric in w.metrics)) return { metric, totalPoints: 0, points: [] };
    const key = `${w.name}/${metric}`;
    let raw = cache.get(key);
    if (!raw) {
      raw = generateSeries(w, metric, length, now);
      cache.set(key, raw);
    }
    let xs = raw[opts.x];
    let ys = raw.value;
    if (opts.range) {
      const { from, to } = opts.range;
      let lo = 0;
      while (lo < xs.length && xs[lo]! < from) lo++;
      let hi = lo;
      while (hi < xs.length && xs[hi]! <= to) hi++;
      xs = xs.subarray(lo, hi);
      ys = ys.subarray(lo, hi);
    }
    const out: MetricSeries = { metric, totalPoints: xs.length, points: downsample(xs, ys, opts.maxPoints) };
    // As the engine marks them: each stretch of NaN/±Infinity values, from its first x to its last.
    const stretches: NonFiniteStretch[] = [];
    for (let i = 0; i < xs.length; i++) {
      if (Number.isFinite(ys[i]!)) continue;
      const open = stretches.at(-1);
      if (open && i > 0 && !Number.isFinite(ys[i - 1]!)) open.to = xs[i]!;
      else stretches.push({ from: xs[i]!, to: xs[i]!, value: 'NaN' });
    }
    if (stretches.length > 0) out.nonFinite = stretches;
    return out;
  }

  return {
    calls,
    emit,
    snapshot: () => fleet,
    setSnapshot(snapshot) {
      fleet = snapshot;
      emit('snapshot', snapshot);
    },
    alert(workerName, kind, message) {
      emit('alert', { worker: workerName, kind, message, at: iso(now) });
    },
    getSnapshot() {
      record('getSnapshot', []);
      return fleet;
    },
    getSeries(workerName, metrics, opts): SeriesResult {
      record('getSeries', [workerName, metrics, opts]);
      const w = worker(workerName);
      return {
        worker: workerName,
        x: opts.x,
        series: metrics.map((m) => series(w, m, opts)),
        thinned: options.thinned ?? null,
      };
    },
    snooze(workerName, durationMs) {
      record('snooze', [workerName, durationMs]);
      if (workerName !== null) worker(workerName);
    },
    syncNow(workerName) {
      record('syncNow', [workerName]);
      // Like the engine: answers once queued; each run then reports through progress events.
      for (const w of workerName === null ? fleet.workers : [worker(workerName)]) {
        const rule = w.sync[0]?.to ?? `/fake/sync/${w.name}`;
        const event = (over: Partial<ProgressEvent>): ProgressEvent => ({
          worker: w.name,
          rule,
          bytes: 0,
          percent: 0,
          rate: 0,
          eta: null,
          ...over,
        });
        emit('progress', event({ phase: 'queued' }));
        setTimeout(() => {
          emit('progress', event({ phase: 'running' }));
          emit('progress', event({ bytes: 512, percent: 50, rate: 1024, eta: 1 }));
          emit('progress', event({ phase: 'ok', message: 'ok', bytes: 1024, percent: 100, eta: 0 }));
        }, 0);
      }
    },
    openMirror(workerName) {
      record('openMirror', [workerName]);
      worker(workerName);
    },
    reloadConfig() {
      record('reloadConfig', []);
    },
    getResources(workerName, sinceMs) {
      record('getResources', [workerName, sinceMs]);
      return fakeResourceHistory(worker(workerName), now, sinceMs);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
