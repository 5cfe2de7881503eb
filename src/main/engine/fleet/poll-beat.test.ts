import { describe, expect, it } from 'vitest';
import { beatPhase, HOSTS_PER_BEAT, nextBeatAt } from './fleet';

describe('poll beats', () => {
  it('up to HOSTS_PER_BEAT hosts share one beat at the top of the interval', () => {
    for (let i = 0; i < HOSTS_PER_BEAT; i++) expect(beatPhase(i, HOSTS_PER_BEAT, 1000)).toBe(0);
    expect(beatPhase(0, 1, 1000)).toBe(0);
  });

  it('more hosts spread over evenly spaced beats, none holding more than HOSTS_PER_BEAT', () => {
    const count = 50;
    const phases = Array.from({ length: count }, (_, i) => beatPhase(i, count, 1000));
    const perBeat = new Map<number, number>();
    for (const p of phases) perBeat.set(p, (perBeat.get(p) ?? 0) + 1);
    expect([...perBeat.keys()].sort((a, b) => a - b)).toEqual([0, 142, 285, 428, 571, 714, 857]);
    expect(Math.max(...perBeat.values())).toBeLessThanOrEqual(HOSTS_PER_BEAT);
    expect(Math.min(...perBeat.values())).toBeGreaterThanOrEqual(HOSTS_PER_BEAT - 1);
  });

  it('a poll on its beat is followed by the next beat, even when its timer fired late', () => {
    expect(nextBeatAt(10_000, 10_040, 1000, 0)).toBe(11_000);
    expect(nextBeatAt(10_003, 10_040, 1000, 0)).toBe(11_000);
    expect(nextBeatAt(10_503, 10_540, 1000, 500)).toBe(11_500);
    expect(nextBeatAt(30_000, 30_010, 30_000, 0)).toBe(60_000);
  });

  it('a poll off the beat (first, catch-up, reconnect) is not followed by another a moment later', () => {
    // 30 s polls; a catch-up at 28.5 s into the interval: the beat 1.5 s later is skipped.
    expect(nextBeatAt(58_500, 58_600, 30_000, 0)).toBe(90_000);
    // Early in the interval: the coming beat is 3/4 of an interval or more away, so it is kept.
    expect(nextBeatAt(60_200, 60_300, 1000, 0)).toBe(61_000);
    expect(nextBeatAt(60_300, 60_400, 1000, 0)).toBe(62_000);
  });

  it('a poll that took longer than the interval is followed by the next beat, not at once', () => {
    expect(nextBeatAt(10_000, 11_300, 1000, 0)).toBe(12_000);
    expect(nextBeatAt(10_000, 12_000, 1000, 0)).toBe(13_000);
  });
});
