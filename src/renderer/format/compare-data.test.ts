import { describe, expect, it } from 'vitest';
import type { MetricSeries, SeriesResult } from '../../shared/contract';
import { buildChartRows, smoothKey } from './chart-data';
import {
  bestPoint,
  compareLines,
  durationTicks,
  EACH_LOSS,
  higherIsBetter,
  isValidation,
  metricChoices,
  metricsFor,
  runStart,
  validationPartner,
} from './compare-data';

const p = (x: number, y: number | null) => ({ x, y, min: y, max: y });
const series = (metric: string, points: [number, number | null][]): MetricSeries => ({
  metric,
  totalPoints: points.length,
  points: points.map(([x, y]) => p(x, y)),
});
const result = (worker: string, x: SeriesResult['x'], ...s: MetricSeries[]): SeriesResult => ({
  worker,
  x,
  series: s,
});

describe('train/validation pairs', () => {
  it.each([
    ['loss', ['loss', 'val_loss', 'lr'], 'val_loss'],
    ['train_loss', ['train_loss', 'val_loss'], 'val_loss'],
    ['train/loss', ['train/loss', 'eval/loss'], 'eval/loss'],
    ['train/loss', ['train/loss', 'val/loss'], 'val/loss'],
    ['loss_train', ['loss_train', 'loss_val'], 'loss_val'],
    ['train_loss', ['train_loss', 'eval/loss'], 'eval/loss'],
    ['acc', ['acc', 'val_acc', 'loss'], 'val_acc'],
    ['loss', ['loss', 'valid_loss'], 'valid_loss'],
    ['loss', ['loss', 'recon_loss', 'lr'], null],
    ['val_loss', ['loss', 'val_loss'], null],
    ['training_loss', ['training_loss', 'validation_loss'], 'validation_loss'],
  ])('%s among %j pairs with %s', (metric, available, partner) => {
    expect(validationPartner(metric, available)).toBe(partner);
  });

  it('knows the validation side by its word, not by a substring', () => {
    expect(isValidation('val_loss')).toBe(true);
    expect(isValidation('eval/loss')).toBe(true);
    expect(isValidation('loss_val')).toBe(true);
    expect(isValidation('interval_loss')).toBe(false);
    expect(isValidation('latest')).toBe(false);
  });

  it('lower is better for losses, higher for accuracies', () => {
    expect(higherIsBetter('val_loss')).toBe(false);
    expect(higherIsBetter('perplexity')).toBe(false);
    expect(higherIsBetter('val_acc')).toBe(true);
    expect(higherIsBetter('eval/f1')).toBe(true);
  });
});

describe('metric choice', () => {
  const workers: { metrics: Record<string, number>; lossMetric: string }[] = [
    { metrics: { loss: 1, val_loss: 1, lr: 1, acc: 1 }, lossMetric: 'loss' },
    { metrics: { train_loss: 1, val_loss: 1 }, lossMetric: 'train_loss' },
    { metrics: { loss: 1, lr: 1 }, lossMetric: 'loss' },
  ];

  it("offers each run's loss first, then training-side metrics the most shared first", () => {
    expect(metricChoices(workers)).toEqual([EACH_LOSS, 'loss', 'lr', 'acc', 'train_loss']);
  });

  it("each run's loss resolves per worker, with its validation partner", () => {
    expect(metricsFor(EACH_LOSS, workers[0]!)).toEqual({ train: 'loss', val: 'val_loss' });
    expect(metricsFor(EACH_LOSS, workers[1]!)).toEqual({ train: 'train_loss', val: 'val_loss' });
    expect(metricsFor(EACH_LOSS, workers[2]!)).toEqual({ train: 'loss', val: null });
  });

  it('a named metric a worker lacks leaves that worker out', () => {
    expect(metricsFor('acc', workers[1]!)).toBeNull();
    expect(metricsFor(EACH_LOSS, { metrics: {}, lossMetric: null })).toBeNull();
  });
});

describe('aligning runs', () => {
  it("a run starts at its first record's time, whichever metric wrote it", () => {
    expect(runStart(result('A', 'time', series('loss', [[500, 1]]), series('val_loss', [[300, 2]])))).toBe(
      300,
    );
    expect(runStart(result('A', 'time'))).toBeNull();
  });

  it('on the time axis, runs started hours apart are drawn from the same origin', () => {
    const hour = 3_600_000;
    const lines = compareLines(
      [
        {
          worker: 'A',
          result: result(
            'A',
            'time',
            series('loss', [
              [10 * hour, 4],
              [11 * hour, 2],
            ]),
          ),
        },
        {
          worker: 'B',
          result: result(
            'B',
            'time',
            series('train_loss', [
              [13 * hour, 5],
              [14 * hour, 3],
            ]),
            series('val_loss', [[13.5 * hour, 4]]),
          ),
        },
        { worker: 'C', result: null },
      ],
      'time',
    );
    expect(lines.map((l) => [l.worker, l.metric, l.role, l.index, l.key])).toEqual([
      ['A', 'loss', 'train', 0, 'c0'],
      ['B', 'train_loss', 'train', 1, 'c1'],
      ['B', 'val_loss', 'val', 1, 'c2'],
    ]);
    expect(lines.map((l) => l.series.points.map((q) => q.x))).toEqual([[0, hour], [0, hour], [0.5 * hour]]);
  });

  it('steps and epochs are left as they are', () => {
    const lines = compareLines(
      [{ worker: 'A', result: result('A', 'step', series('loss', [[100, 1]])) }],
      'step',
    );
    expect(lines[0]!.series.points[0]!.x).toBe(100);
  });

  it('merges the lines into one row per x, each worker interpolated where another has a point', () => {
    const lines = compareLines(
      [
        {
          worker: 'A',
          result: result(
            'A',
            'step',
            series('loss', [
              [0, 4],
              [10, 2],
            ]),
          ),
        },
        {
          worker: 'B',
          result: result(
            'B',
            'step',
            series('loss', [
              [5, 3],
              [15, 1],
            ]),
          ),
        },
      ],
      'step',
    );
    const rows = buildChartRows(
      lines.map((l) => l.series),
      0,
      false,
    );
    expect(rows.map((r) => [r.x, r[smoothKey('c0')], r[smoothKey('c1')]])).toEqual([
      [0, 4, null],
      [5, 3, 3],
      [10, 2, 2],
      [15, null, 1],
    ]);
  });
});

describe('best so far', () => {
  it('the lowest loss, the highest accuracy, skipping gaps and NaN', () => {
    const s = series('loss', [
      [0, 3],
      [1, null],
      [2, Number.NaN],
      [3, 1],
      [4, 1.5],
    ]);
    expect(bestPoint(s, false)).toEqual({ x: 3, y: 1 });
    expect(bestPoint(s, true)).toEqual({ x: 0, y: 3 });
    expect(bestPoint(series('loss', [[0, null]]), false)).toBeNull();
  });

  it("a downsampled bucket's envelope holds its best, which its first value may miss", () => {
    const s: MetricSeries = {
      metric: 'loss',
      totalPoints: 200,
      points: [
        { x: 0, y: 3, min: 2.5, max: 3 },
        { x: 100, y: 1.2, min: 0.9, max: 1.4 },
      ],
    };
    expect(bestPoint(s, false)).toEqual({ x: 100, y: 0.9 });
    expect(bestPoint(s, true)).toEqual({ x: 0, y: 3 });
  });

  it('is marked per line, after aligning', () => {
    const lines = compareLines(
      [
        {
          worker: 'A',
          result: result(
            'A',
            'time',
            series('val_acc', [
              [1000, 0.5],
              [2000, 0.8],
              [3000, 0.7],
            ]),
          ),
        },
      ],
      'time',
    );
    expect(lines[0]!.best).toEqual({ x: 1000, y: 0.8 });
  });
});

describe('time-since-start ticks', () => {
  it('round spans, at most about six', () => {
    expect(durationTicks(50 * 60_000)).toEqual([0, 15, 30, 45].map((m) => m * 60_000));
    expect(durationTicks(6 * 3_600_000)).toEqual([0, 1, 2, 3, 4, 5, 6].map((h) => h * 3_600_000));
    expect(durationTicks(6.5 * 3_600_000)).toEqual([0, 2, 4, 6].map((h) => h * 3_600_000));
  });
});
