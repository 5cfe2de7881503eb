import { describe, expect, it } from 'vitest';
import { fakeWorker } from '../../shared/contract-fake';
import { buildChartRows, rawKey, smoothKey } from './chart-data';
import { sortWorkers } from './format';

const NOW = Date.parse('2025-05-01T12:00:00Z');

// Numbers, ages and epochs are worded in shared/human.ts and tested there, once for every shell.
describe('order', () => {
  it('problems first, then the order of the config', () => {
    const ws = [
      fakeWorker(NOW, { name: 'I3D', status: 'running' }),
      fakeWorker(NOW, { name: 'SlowFast', status: 'stalled' }),
      fakeWorker(NOW, { name: 'Transformer', status: 'error' }),
      fakeWorker(NOW, { name: 'MagVIT', status: 'running' }),
      fakeWorker(NOW, { name: 'Alpha', status: 'late' }),
      fakeWorker(NOW, { name: 'Beta', status: 'finished' }),
    ];
    expect(sortWorkers(ws).map((w) => w.name)).toEqual([
      'Transformer',
      'SlowFast',
      'Alpha',
      'I3D',
      'MagVIT',
      'Beta',
    ]);
  });
});

describe('chart rows', () => {
  const p = (x: number, y: number | null) => ({ x, y, min: y, max: y });

  it('keeps gaps, and interpolates a metric where only the other one has a point', () => {
    const rows = buildChartRows(
      [
        { metric: 'loss', totalPoints: 4, points: [p(0, 4), p(10, 2), p(20, null), p(30, 1)] },
        { metric: 'val', totalPoints: 2, points: [p(0, 5), p(5, 4)] },
      ],
      0,
      false,
    );
    expect(rows.map((r) => r.x)).toEqual([0, 5, 10, 20, 30]);
    expect(rows.map((r) => r[rawKey('loss')])).toEqual([4, 3, 2, null, 1]);
    expect(rows.map((r) => r[rawKey('val')])).toEqual([5, 4, null, null, null]);
  });

  it('drops non-positive values on a log scale and smooths', () => {
    const rows = buildChartRows(
      [{ metric: 'loss', totalPoints: 3, points: [p(0, 0), p(1, 10), p(2, 20)] }],
      0.6,
      true,
    );
    expect(rows[0]![rawKey('loss')]).toBeNull();
    expect(rows[1]![smoothKey('loss')]).toBeCloseTo(10);
    expect(rows[2]![smoothKey('loss')]).toBeCloseTo(16.25);
  });
});
