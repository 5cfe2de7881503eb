import { describe, expect, it } from 'vitest';
import { timeTicks } from './time-ticks';

const at = (h: number, m: number, s = 0, day = 1) => new Date(2025, 4, day, h, m, s).getTime();
const labels = (from: number, to: number) => {
  const t = timeTicks(from, to);
  return t.ticks.map(t.format);
};

describe('time axis ticks', () => {
  it('a run of three minutes: ticks that differ, on whole minutes or half minutes', () => {
    const l = labels(at(17, 27, 40), at(17, 30, 50));
    expect(new Set(l).size).toBe(l.length);
    expect(l.length).toBeGreaterThanOrEqual(3);
    expect(l).toContain('17:28');
  });

  it('a span under a minute or two shows seconds, never four times "17:28"', () => {
    const l = labels(at(17, 28, 3), at(17, 28, 51));
    expect(l).toEqual(['17:28:10', '17:28:20', '17:28:30', '17:28:40', '17:28:50']);
  });

  it('hours on the hour; a span across midnight carries the date; days as dates', () => {
    expect(labels(at(9, 10), at(13, 50))).toEqual(['10:00', '11:00', '12:00', '13:00']);
    expect(labels(at(9, 10), at(18, 50))).toEqual(['10:00', '12:00', '14:00', '16:00', '18:00']);
    const night = labels(at(22, 0), at(4, 0, 0, 2));
    expect(night[0]).toBe('05-01 22:00');
    expect(night).toContain('05-02 00:00');
    expect(new Set(night).size).toBe(night.length);
    // Only the first tick and the first of the new day carry the date; the others stay short.
    expect(night.filter((l) => l.includes('-'))).toEqual(['05-01 22:00', '05-02 00:00']);
    expect(labels(at(0, 0, 0, 1), at(0, 0, 0, 5))).toEqual(['05-01', '05-02', '05-03', '05-04', '05-05']);
  });

  it('one instant: one tick', () => {
    expect(labels(at(12, 0, 5), at(12, 0, 5))).toEqual(['12:00:05']);
  });
});
