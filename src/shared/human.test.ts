import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatBytes,
  formatCount,
  formatDuration,
  formatEpoch,
  formatGigabytes,
  formatMetric,
  formatSince,
} from './human';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('durations', () => {
  it.each([
    [0, '0 s'],
    [-5_000, '0 s'],
    [44_600, '45 s'],
    [59_400, '59 s'],
    [3 * MIN + 20_000, '3 min'],
    [59 * MIN, '59 min'],
    [120 * MIN, '2 h'],
    [125 * MIN, '2 h 5 min'],
    [23 * HOUR + 59 * MIN, '23 h 59 min'],
    [DAY, '1 d'],
    // The case: the CLI said "30 h", the UI "1 d" — both now say this.
    [30 * HOUR, '1 d 6 h'],
    [3 * DAY, '3 d'],
    [12 * DAY + 5 * HOUR, '12 d'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('ages', () => {
  it.each([
    [900, 'just now'],
    [1_499, 'just now'],
    [-3_000, 'just now'], // a remote clock a little ahead never reads "-3 s ago"
    [3_000, '3 s ago'],
    [9 * MIN, '9 min ago'],
    [130 * MIN, '2 h 10 min ago'],
    [30 * HOUR, '1 d 6 h ago'],
    [3 * DAY, '3 d ago'],
  ])('%d ms ago reads "%s"', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });

  it('from an ISO time: never, unknown, or the age', () => {
    const now = Date.parse('2025-05-01T12:00:00Z');
    expect(formatSince(null, now)).toBe('never');
    expect(formatSince('yesterday-ish', now)).toBe('unknown');
    expect(formatSince('2025-05-01T11:57:00Z', now)).toBe('3 min ago');
  });
});

describe('metric values', () => {
  it.each([
    [null, '—'],
    [undefined, '—'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '∞'],
    [Number.NEGATIVE_INFINITY, '−∞'],
    [0, '0'],
    [0.421337, '0.4213'],
    [-0.421337, '-0.4213'],
    [2, '2'],
    [1234.56, '1235'],
    [12345, '12350'],
    [0.0003, '3.00e-4'],
    [123456, '1.23e+5'],
  ])('%s reads "%s"', (v, text) => {
    expect(formatMetric(v)).toBe(text);
  });
});

describe('counts and epochs', () => {
  it('counts are grouped', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(64)).toBe('64');
    expect(formatCount(Number.NaN)).toBe('NaN');
  });

  it('epochs as "12 / 50"', () => {
    expect(formatEpoch({ epoch: 12, totalEpochs: 50 })).toBe('12 / 50');
    expect(formatEpoch({ epoch: 3.47, totalEpochs: null })).toBe('3.5');
    expect(formatEpoch({ epoch: null, totalEpochs: 50 })).toBe('—');
  });
});

describe('bytes', () => {
  it.each([
    [512, '512 B'],
    [3 * 2 ** 20, '3.0 MiB'],
    [12.4 * 2 ** 30, '12 GiB'],
  ])('%d bytes read "%s"', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('memory and disk sizes', () => {
  const GB = 2 ** 30;
  it.each([
    [null, '—'],
    [0, '0 GB'],
    [41 * 2 ** 20, '41 MB'],
    [2.6 * GB, '2.6 GB'],
    [64 * GB, '64 GB'], // the CLI said "64 GB", the UI "64.0 GB": both now say this
    [22.5 * GB, '22.5 GB'],
    [484.4 * GB, '484 GB'],
  ])('%s bytes read "%s"', (n, text) => {
    expect(formatGigabytes(n)).toBe(text);
  });
});
