import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './durations';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1d', 86_400_000],
    ['1.5h', 5_400_000],
    [' 1h 30m ', 5_400_000],
    ['2m500ms', 120_500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses a bare number and says to write a unit', () => {
    expect(() => parseDuration(15)).toThrow('15 has no unit: write a number with a unit, e.g. "15m"');
    expect(() => parseDuration('15')).toThrow('"15" has no unit');
  });

  it.each(['fast', '15 minutes', '15M', 'm', '', '-5m', '1h-30m'])('refuses garbage %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration: write a number with a unit, e\.g\. "15m"/);
  });
});

describe('formatDuration', () => {
  it('writes durations the way the config does', () => {
    expect(formatDuration(200)).toBe('200ms');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
});
