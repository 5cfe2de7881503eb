import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DIVERGE,
  DivergenceWatch,
  describeDivergence,
  judgeDivergence,
  LossWatch,
} from './divergence';

const run = (values: number[], x = values.map((_, i) => i + 1)) => ({ values, x, length: values.length });
const falling = (n: number) => Array.from({ length: n }, (_, i) => 2 / (1 + i / 10));

describe('judgeDivergence', () => {
  it('a NaN or ±Infinity newest loss has diverged, from the first of the trailing non-finite values', () => {
    const values = [...falling(100), 5, Number.NaN, Number.NaN, Number.POSITIVE_INFINITY, Number.NaN];
    expect(judgeDivergence(run(values), DEFAULT_DIVERGE)).toEqual({
      kind: 'non-finite',
      from: 101,
      value: Number.NaN,
    });
    const inf = judgeDivergence(run([1, 0.5, Number.NEGATIVE_INFINITY]), DEFAULT_DIVERGE);
    expect(inf).toMatchObject({ kind: 'non-finite', from: 2, value: Number.NEGATIVE_INFINITY });
  });

  it('a NaN that recovered is not divergence; neither is a spike that comes back down', () => {
    const recovered = [...falling(100), Number.NaN, Number.NaN, 0.3];
    expect(judgeDivergence(run(recovered), DEFAULT_DIVERGE)).toBeNull();
    const spike = [...falling(100), 50, 60, 70, 0.3];
    expect(judgeDivergence(run(spike), DEFAULT_DIVERGE)).toBeNull();
  });

  it('a loss above 10× its best smoothed value for 5 % of the run has diverged; for less, not yet', () => {
    const base = falling(200); // best smoothed ≈ 0.1
    const risen = (n: number) => [...base, ...Array.from({ length: n }, () => 3)];
    expect(judgeDivergence(run(risen(9)), DEFAULT_DIVERGE)).toBeNull(); // 9 of 209: < 5 %
    const d = judgeDivergence(run(risen(12)), DEFAULT_DIVERGE);
    expect(d).toMatchObject({ kind: 'rising', from: 200, value: 3, factor: 10 });
    expect(d?.kind === 'rising' && d.best).toBeGreaterThan(0.09);
    expect(d?.kind === 'rising' && d.best).toBeLessThan(0.11);
    // Thresholds are the worker's: 40× is not reached by 3 / 0.1; 50 % of the run is not covered.
    expect(judgeDivergence(run(risen(12)), { factor: 40, share: 0.05 })).toBeNull();
    expect(judgeDivergence(run(risen(12)), { factor: 10, share: 0.5 })).toBeNull();
    expect(judgeDivergence(run(risen(12)), false)).toBeNull();
    expect(judgeDivergence(run([Number.NaN]), false)).toBeNull();
  });

  it('measures the stretch on the run axis (its steps), and never judges a loss that is not positive', () => {
    // 100 records over 10,000 steps, then 10 records over the next 100 steps: 1 % of the run's steps.
    const values = [...falling(100), ...Array.from({ length: 10 }, () => 30)];
    const x = [
      ...Array.from({ length: 100 }, (_, i) => i * 100),
      ...Array.from({ length: 10 }, (_, i) => 9_910 + i * 10),
    ];
    expect(judgeDivergence(run(values, x), DEFAULT_DIVERGE)).toBeNull();
    expect(judgeDivergence(run(values), DEFAULT_DIVERGE)).toMatchObject({ kind: 'rising', from: 100 });
    const negative = [...Array.from({ length: 50 }, () => -5), ...Array.from({ length: 20 }, () => 10)];
    expect(judgeDivergence(run(negative), DEFAULT_DIVERGE)).toBeNull();
  });
});

describe('describeDivergence', () => {
  const epoch = (raw: number) => String(raw + 1);
  const age = () => '14 min ago';
  it('names the metric, the value, since which step, its epoch as people count it and how long ago', () => {
    const text = describeDivergence(
      {
        metric: 'loss',
        divergence: { kind: 'non-finite', from: 5, value: Number.NaN },
        since: { step: 652, record: 6, epoch: 6, time: 1 },
      },
      epoch,
      age,
    );
    expect(text).toBe('loss is NaN since step 652 (epoch 7, 14 min ago)');
  });

  it('says the record when the file has no step, and leaves out what it does not know', () => {
    const text = describeDivergence(
      {
        metric: 'train_loss',
        divergence: { kind: 'rising', from: 5, value: 35.2149, best: 0.41, factor: 10 },
        since: { step: null, record: 812, epoch: null, time: null },
      },
      epoch,
      age,
    );
    expect(text).toBe('train_loss is 35.21, over 10× its best (0.41) since record 812');
  });
});

describe('DivergenceWatch (one value at a time)', () => {
  /** A seeded run: falling, noisy, with spikes, NaN stretches and explosions here and there. */
  function run(seed: number, n: number): { values: number[]; steps: number[] } {
    let s = seed;
    const rnd = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    const values: number[] = [];
    let mode = 0;
    for (let i = 0; i < n; i++) {
      if (rnd() < 0.03) mode = Math.floor(rnd() * 4);
      const base = 2 / (1 + i / 20);
      values.push(
        mode === 1 ? Number.NaN : mode === 2 ? base * (15 + rnd() * 10) : base * (1 + 0.2 * (rnd() - 0.5)),
      );
      if (mode === 3 && rnd() < 0.3) mode = 0;
    }
    return { values, steps: values.map((_, i) => (i + 1) * 10) };
  }

  it('judges exactly as judgeDivergence on the same values, after every value', () => {
    let diverged = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { values, steps } = run(seed, 300);
      const watch = new DivergenceWatch(DEFAULT_DIVERGE.factor);
      for (let i = 0; i < values.length; i++) {
        watch.observe(values[i]!, steps[i]!, i + 1, null, null);
        const slice = { values: values.slice(0, i + 1), x: steps.slice(0, i + 1), length: i + 1 };
        const want = judgeDivergence(slice, DEFAULT_DIVERGE);
        const got = watch.judge(DEFAULT_DIVERGE.share);
        expect(got?.divergence.kind ?? null, `seed ${seed} value ${i}`).toBe(want?.kind ?? null);
        if (want && got) {
          expect(got.since.record).toBe(want.from + 1);
          if (want.kind === 'rising' && got.divergence.kind === 'rising')
            expect(got.divergence.best).toBe(want.best);
          diverged++;
        }
      }
    }
    expect(diverged).toBeGreaterThan(100); // the runs do diverge, often
  });

  it('LossWatch watches every loss-like metric (and the configured one), and forgets at a reset', () => {
    const w = new LossWatch(10, 'ce');
    const rec = (i: number, m: Record<string, number>) => ({ epoch: null, step: i, time: null, metrics: m });
    for (let i = 1; i <= 5; i++)
      w.observe(rec(i, { train_loss: 1 / i, ce: i === 5 ? Number.NaN : 1, lr: Number.NaN }), i);
    expect(w.judge('train_loss', 0.05)).toBeNull();
    expect(w.judge('ce', 0.05)).toMatchObject({
      metric: 'ce',
      divergence: { kind: 'non-finite' },
      since: { step: 5 },
    });
    expect(w.judge('lr', 0.05)).toBeNull(); // not a loss: not watched
    expect(w.judge('ce', false)).toBeNull();
    w.reset();
    expect(w.judge('ce', 0.05)).toBeNull();
  });
});
