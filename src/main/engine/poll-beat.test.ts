import { describe, expect, it } from 'vitest';
import { beatPhase, HOSTS_PER_BEAT, untilBeat } from './fleet';

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

  it('waits until the next beat: mid-interval, just before, and exactly on one (a full interval, never 0)', () => {
    expect(untilBeat(10_300, 1000, 0)).toBe(700);
    expect(untilBeat(10_999, 1000, 0)).toBe(1);
    expect(untilBeat(11_000, 1000, 0)).toBe(1000);
    expect(untilBeat(10_300, 1000, 500)).toBe(200);
    expect(untilBeat(10_600, 1000, 500)).toBe(900);
    expect(untilBeat(10_500, 1000, 500)).toBe(1000);
  });
});
