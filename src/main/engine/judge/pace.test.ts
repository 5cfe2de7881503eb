import { describe, expect, it } from 'vitest';
import { DEFAULT_STALL_MS, PaceTracker, thresholds } from './pace';

describe('pace', () => {
  it('without history: 30 min stall, late at half', () => {
    expect(thresholds(undefined, null)).toEqual({
      stallAfterMs: DEFAULT_STALL_MS,
      lateAfterMs: DEFAULT_STALL_MS / 2,
      learned: false,
    });
  });

  it('learns from the worker: an epoch every 2 min stalls after 10 min, late after 4', () => {
    const p = new PaceTracker();
    for (let i = 0; i < 10; i++) p.observe(i * 120_000);
    expect(p.typicalIntervalMs()).toBe(120_000);
    expect(thresholds(undefined, p.typicalIntervalMs())).toEqual({
      stallAfterMs: 600_000,
      lateAfterMs: 240_000,
      learned: true,
    });
  });

  it('a configured stallAfter wins; late stays below it', () => {
    expect(thresholds(15 * 60_000, 120_000)).toMatchObject({ stallAfterMs: 900_000, lateAfterMs: 240_000 });
    expect(thresholds(3000, null)).toMatchObject({ stallAfterMs: 3000, lateAfterMs: 1500 });
  });

  it('needs five intervals before it trusts a pace, and ignores repeated times', () => {
    const p = new PaceTracker();
    for (const t of [0, 1000, 1000, 2000, 3000]) p.observe(t);
    expect(p.typicalIntervalMs()).toBeNull();
    p.observe(4000);
    p.observe(5000);
    expect(p.typicalIntervalMs()).toBe(1000);
  });

  it('is bounded: very fast writers still get a 2 min floor, very slow ones a 2 h cap', () => {
    expect(thresholds(undefined, 100).stallAfterMs).toBe(120_000);
    expect(thresholds(undefined, 3600_000).stallAfterMs).toBe(7_200_000);
  });
});
