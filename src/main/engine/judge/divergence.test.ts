import { describe, expect, it } from 'vitest';
import { DEFAULT_DIVERGE, describeDivergence, judgeDivergence } from './divergence';

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
