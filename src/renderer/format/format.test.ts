import { describe, expect, it } from 'vitest';
import { fakeWorker } from '../../shared/contract-fake';
import { buildChartRows, rawKey, smoothKey } from './chart-data';
import { formatEpoch, formatRelative, formatValue, sortWorkers } from './format';

const NOW = Date.parse('2025-05-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('wording', () => {
  it('relative times read naturally', () => {
    expect(formatRelative(ago(1_000), NOW)).toBe('just now');
    expect(formatRelative(ago(3_000), NOW)).toBe('3 s ago');
    expect(formatRelative(ago(42_000), NOW)).toBe('42 s ago');
    expect(formatRelative(ago(9 * 60_000), NOW)).toBe('9 min ago');
    expect(formatRelative(ago(130 * 60_000), NOW)).toBe('2 h 10 min ago');
    expect(formatRelative(ago(3 * 86_400_000), NOW)).toBe('3 d ago');
    expect(formatRelative(null, NOW)).toBe('never');
  });

  it('values: NaN is shown, not hidden', () => {
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(0.421337)).toBe('0.4213');
    expect(formatValue(0.0003)).toBe('3.00e-4');
    expect(formatValue(null)).toBe('—');
  });

  it('epochs as "12 / 50"', () => {
    expect(formatEpoch({ epoch: 12, totalEpochs: 50 })).toBe('12 / 50');
    expect(formatEpoch({ epoch: 3.5, totalEpochs: null })).toBe('3.5');
    expect(formatEpoch({ epoch: null, totalEpochs: 50 })).toBe('—');
  });

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
