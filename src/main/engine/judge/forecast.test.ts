import { describe, expect, it } from 'vitest';
import { etaAt, type ForecastInput, forecast, KEEP_MAX, ProgressLog, type ProgressPoint } from './forecast';

const MIN = 60_000;

function log(points: ProgressPoint[]): ProgressLog {
  const l = new ProgressLog();
  for (const p of points) l.add(p);
  return l;
}

function input(l: ProgressLog, over: Partial<ForecastInput> = {}): ForecastInput {
  return {
    points: l.points,
    epochStarts: l.epochStarts,
    fractionalEpochs: false,
    epochBase: 1,
    configEpochs: null,
    fileEpochs: null,
    fileSteps: null,
    ...over,
  };
}

/** A record every `everyMs`, `stepsPer` steps each, `perEpoch` records per epoch (epochs from `base`). */
function run(count: number, everyMs: number, stepsPer: number, perEpoch: number, base = 1, t0 = 0) {
  return Array.from({ length: count }, (_, i) => ({
    t: t0 + i * everyMs,
    step: (i + 1) * stepsPer,
    epoch: base + Math.floor(i / perEpoch),
    n: i + 1,
  }));
}

describe('forecast', () => {
  it('steps per second and seconds per epoch from whole epochs; ETA to the configured total', () => {
    // 10 steps every 10 s, 60 records (600 steps, 10 min) per epoch; now in epoch 3 of 5, 1/6 through.
    const l = log(run(131, 10_000, 10, 60));
    const f = forecast(input(l, { configEpochs: 5 }));
    expect(f.stepsPerSecond).toBeCloseTo(1, 6);
    expect(f.stepsPerEpoch).toBe(600);
    expect(f.secondsPerEpoch).toBeCloseTo(600, 6);
    // Epoch 3 began at record 121 (t = 1200 s); the newest is t = 1300 s: 2 + 100/600 epochs done.
    expect(f.remainingMs! / 1000).toBeCloseTo((5 - 2 - 100 / 600) * 600, 3);
  });

  it('one record per epoch (written at its end, 0-based): the epoch named is done', () => {
    const l = log(run(10, 5 * MIN, 100, 1, 0)); // epochs 0..9 → 10 done of 50
    const f = forecast(input(l, { configEpochs: 50, epochBase: 0 }));
    expect(f.secondsPerEpoch).toBeCloseTo(300, 6);
    expect(f.remainingMs).toBeCloseTo(40 * 5 * MIN, 0);
  });

  it('fractional epochs (Hugging Face): the epoch is progress; max_steps decides without a config total', () => {
    const pts = Array.from({ length: 40 }, (_, i) => ({
      t: i * 20_000,
      step: (i + 1) * 50,
      epoch: (i + 1) * 0.05,
      n: i + 1,
    }));
    const l = log(pts);
    const f = forecast(input(l, { fractionalEpochs: true, fileEpochs: 3, fileSteps: 3000 }));
    expect(f.stepsPerSecond).toBeCloseTo(2.5, 6);
    expect(f.stepsPerEpoch).toBeCloseTo(1000, 6);
    expect(f.secondsPerEpoch).toBeCloseTo(400, 6);
    // 1000 steps left at 2.5 steps/s.
    expect(f.remainingMs).toBeCloseTo(400_000, 0);
    // num_train_epochs alone (epoch 2.0 now): one epoch of 400 s; a configured total wins over max_steps.
    const g = forecast(input(l, { fractionalEpochs: true, fileEpochs: 3 }));
    expect(g.remainingMs).toBeCloseTo(400_000, 0);
    const h = forecast(input(l, { fractionalEpochs: true, fileSteps: 3000, configEpochs: 4 }));
    expect(h.remainingMs).toBeCloseTo(800_000, 0);
  });

  it('a step count past the file total (a per-epoch progress bar) is not taken as the run total', () => {
    const l = log(run(20, 1000, 10, 1000));
    expect(forecast(input(l, { fileSteps: 100 })).remainingMs).toBeNull();
  });

  it('no total, too few points, no times, no progress: null, never a made-up figure', () => {
    const l = log(run(30, 1000, 1, 10));
    expect(forecast(input(l)).remainingMs).toBeNull(); // no total
    expect(forecast(input(l)).stepsPerSecond).toBeCloseTo(1, 6); // the rate is still known
    expect(forecast(input(log(run(2, 1000, 1, 10)), { configEpochs: 5 }))).toEqual({
      stepsPerSecond: null,
      secondsPerEpoch: null,
      remainingMs: null,
      stepsPerEpoch: null,
    });
    expect(forecast(input(new ProgressLog(), { configEpochs: 5 })).remainingMs).toBeNull();
    const still = log([0, 1, 2, 3].map((i) => ({ t: i * 1000, step: 7, epoch: 1, n: 7 })));
    expect(forecast(input(still, { configEpochs: 5 })).stepsPerSecond).toBeNull();
    // Non-finite times (a file without times never gives a point this way) are ignored.
    const l2 = new ProgressLog();
    l2.add({ t: Number.NaN, step: 1, epoch: 1, n: 1 });
    expect(l2.points).toHaveLength(0);
  });

  it('files without times: points at each poll the file grew give the same rate', () => {
    // Polls every 5 s; the file grew 25 steps between them (mtimes in whole seconds, +0.5 s).
    const l = new ProgressLog();
    for (let i = 0; i < 20; i++)
      l.add({ t: 1_000_500 + i * 5000, step: 1000 + 25 * i, epoch: null, n: 40 + i });
    expect(forecast(input(l)).stepsPerSecond).toBeCloseTo(5, 6);
  });

  it('a restart (the step goes back) starts the pace over: the old run does not count', () => {
    const l = log(run(50, 1000, 10, 1000)); // 10 steps/s
    l.add({ t: 60_000, step: 2, epoch: 1, n: 51 });
    for (let i = 1; i < 10; i++) l.add({ t: 60_000 + i * 1000, step: 2 + 2 * i, epoch: 1, n: 51 + i });
    expect(l.points).toHaveLength(10);
    expect(forecast(input(l)).stepsPerSecond).toBeCloseTo(2, 6);
  });

  it('a pause (a suspended job) does not stretch the pace, nor the epoch time', () => {
    const before = run(20, 1000, 1, 1000);
    const after = run(20, 1000, 1, 1000, 1, 3_600_000).map((p) => ({ ...p, step: p.step + 20, n: p.n + 20 }));
    const f = forecast(input(log([...before, ...after])));
    expect(f.stepsPerSecond).toBeCloseTo(1, 6);
    // Epochs: three of 10 min, one of which held a 2 h pause; the median says 10 min.
    const starts = [0, 10, 20, 150, 160].map((m, i) => ({ t: m * MIN, step: null, epoch: i + 1, n: i + 1 }));
    const per = forecast(input(log(starts), { configEpochs: 10 }));
    expect(per.secondsPerEpoch).toBeCloseTo(600, 6);
  });

  it('ETA: from the newest progress, only while running, never in the past', () => {
    const f = { stepsPerSecond: 1, secondsPerEpoch: 10, remainingMs: 60_000, stepsPerEpoch: 10 };
    expect(etaAt(f, true, 1_000_000, 1_010_000)).toBe(1_060_000);
    expect(etaAt(f, false, 1_000_000, 1_010_000)).toBeNull();
    expect(etaAt(f, true, null, 1_010_000)).toBeNull();
    expect(etaAt(f, true, 1_000_000, 2_000_000)).toBe(2_000_000);
    expect(etaAt({ ...f, remainingMs: null }, true, 1_000_000, 1_010_000)).toBeNull();
  });

  it('at its last epoch the remaining is nothing to promise: null', () => {
    const l = log(run(10, 5 * MIN, 100, 1)); // epochs 1..10, one record each
    expect(forecast(input(l, { configEpochs: 10 })).remainingMs).toBeNull();
  });

  it('a fast logger keeps bounded memory, and its rate', () => {
    const l = new ProgressLog();
    for (let i = 0; i < 200_000; i++) l.add({ t: i * 100, step: i, epoch: null, n: i });
    expect(l.points.length).toBeLessThanOrEqual(KEEP_MAX);
    expect(forecast(input(l)).stepsPerSecond).toBeCloseTo(10, 6);
  });
});
