import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../shared/model';
import { StepUnfolder, stepAxis } from './step-unfold';

const rec = (epoch: number | null, step: number | null): MetricRecord => ({
  epoch,
  step,
  time: null,
  metrics: { loss: 1 },
});

function unfold(pairs: [number | null, number | null][]): (number | null)[] {
  const u = new StepUnfolder();
  return pairs.map(([e, s]) => u.apply(rec(e, s)).step);
}

describe('StepUnfolder', () => {
  it('a counter that restarts every epoch (tqdm i/N) becomes the run step: epoch × steps per epoch + step', () => {
    const pairs: [number, number][] = [];
    for (let e = 1; e <= 3; e++) for (const s of [25, 50, 75, 100]) pairs.push([e, s]);
    expect(unfold(pairs)).toEqual([25, 50, 75, 100, 125, 150, 175, 200, 225, 250, 275, 300]);
  });

  it('MMDetection `Epoch [e][i/361]` logged every 50 iterations, an epoch missing from the log', () => {
    const pairs: [number, number][] = [
      [1, 50],
      [1, 350],
      [1, 361], // the eval line
      [2, 50],
      [2, 361],
      [4, 50],
    ];
    expect(unfold(pairs)).toEqual([50, 350, 361, 411, 722, 1133]);
  });

  it('leaves a global counter alone, and a restart without a new epoch as written', () => {
    expect(
      unfold([
        [1, 100],
        [2, 200],
        [3, 300],
      ]),
    ).toEqual([100, 200, 300]);
    expect(
      unfold([
        [1, 100],
        [1, 200],
        [1, 50],
      ]),
    ).toEqual([100, 200, 50]);
    expect(
      unfold([
        [null, 1],
        [null, 2],
      ]),
    ).toEqual([1, 2]);
  });

  it('a run resumed at an earlier epoch gets that epoch steps again', () => {
    expect(
      unfold([
        [1, 10],
        [1, 20],
        [2, 10],
        [2, 20],
        [3, 10],
        [2, 10],
        [2, 20],
        [3, 10],
      ]),
    ).toEqual([10, 20, 30, 40, 50, 30, 40, 50]);
  });
});

describe('stepAxis', () => {
  it('uses the steps when they never go back (gaps allowed), else the record numbers', () => {
    const record = Float64Array.from([1, 2, 3, 4]);
    const ascending = Float64Array.from([10, Number.NaN, 20, 30]);
    expect(stepAxis(ascending, record)).toBe(ascending);
    expect(stepAxis(Float64Array.from([10, 20, 5, 30]), record)).toBe(record);
  });
});
