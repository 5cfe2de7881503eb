import { describe, expect, it } from 'vitest';
import { formatEta, formatPace } from './human';

describe('forecast formats', () => {
  it('time left', () => {
    expect(formatEta(80 * 60_000, 0)).toBe('1 h 20 min left');
    expect(formatEta(30_000, 0)).toBe('under a minute left');
    expect(formatEta(5 * 60_000, 0)).toBe('5 min left');
    expect(formatEta(0, 10_000)).toBe('under a minute left');
  });
  it('paces in the unit that reads', () => {
    expect(formatPace(2.5)).toBe('2.5 steps/s');
    expect(formatPace(312.4)).toBe('312 steps/s');
    expect(formatPace(0.2)).toBe('12 steps/min');
    expect(formatPace(1 / 1200)).toBe('3 steps/h');
    expect(formatPace(1 / 30, 'records')).toBe('2 records/min');
  });
});
