import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatDuration } from './human';

describe('human formats', () => {
  it('durations', () => {
    expect(formatDuration(44_600)).toBe('45 s');
    expect(formatDuration(3 * 60_000 + 20_000)).toBe('3 min');
    expect(formatDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(120 * 60_000)).toBe('2 h');
    expect(formatDuration(3 * 86_400_000)).toBe('3 d');
  });
  it('ages', () => {
    expect(formatAge(900)).toBe('just now');
    expect(formatAge(3000)).toBe('3 s ago');
  });
  it('bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 2 ** 20)).toBe('3.0 MiB');
    expect(formatBytes(12.4 * 2 ** 30)).toBe('12 GiB');
  });
});
