import { describe, expect, it } from 'vitest';
import type { ProgressPoint } from './forecast';
import {
  initialSlowdownState,
  ownPace,
  type PaceJudgement,
  peerPace,
  SLOW_ENTER,
  slowdownText,
  stepSlowdown,
  worstPace,
} from './slowdown';

const MIN = 60_000;

/** A point every 10 s: `fast` steps per point for `fastMin` minutes, then `slow` steps per point. */
function paced(fastMin: number, fast: number, slowMin: number, slow: number): ProgressPoint[] {
  const pts: ProgressPoint[] = [];
  let step = 0;
  const n = ((fastMin + slowMin) * MIN) / 10_000;
  for (let i = 0; i <= n; i++) {
    const t = i * 10_000;
    pts.push({ t, step, epoch: null, n: i });
    step += t < fastMin * MIN ? fast : slow;
  }
  return pts;
}

const judged = (factor: number): PaceJudgement => ({
  factor,
  against: 'own',
  rateNow: 1,
  rateBefore: factor,
});

describe('slowdown', () => {
  it('a run 2.3× slower in the last quarter hour than in the hour before', () => {
    const j = ownPace(paced(60, 23, 15, 10))!;
    expect(j.factor).toBeCloseTo(2.3, 6);
    expect(slowdownText(j, 'gpu-1')).toBe('2.3× slower than in the last hour');
  });

  it('a steady run, a young run and a run without points are not slow', () => {
    expect(ownPace(paced(80, 10, 0, 10))!.factor).toBeCloseTo(1, 6);
    expect(ownPace(paced(20, 10, 0, 10))).toBeNull(); // no hour before to compare with
    expect(ownPace([])).toBeNull();
  });

  it('records without steps: the pace is records per second', () => {
    // A record every 10 s for an hour, then every 30 s for a quarter of an hour.
    const pts: ProgressPoint[] = [];
    for (let i = 0; i <= 360; i++) pts.push({ t: i * 10_000, step: null, epoch: null, n: i });
    for (let i = 1; i <= 30; i++)
      pts.push({ t: 3_600_000 + i * 30_000, step: null, epoch: null, n: 360 + i });
    expect(ownPace(pts)!.factor).toBeCloseTo(3, 6);
  });

  it('against its peers: the median of the others on the host', () => {
    const j = peerPace(1, [2.5, 2.4, 100])!;
    expect(j.factor).toBeCloseTo(2.5, 6);
    expect(slowdownText(j, 'gpu-1')).toBe('2.5× slower than the other workers on gpu-1');
    expect(peerPace(1, [])).toBeNull();
    expect(peerPace(null, [2])).toBeNull();
    expect(worstPace(judged(1.2), j, null)).toBe(j);
  });

  it('hysteresis: opens at 2×, stays open above 1.5×, one episode per slowdown', () => {
    let s = initialSlowdownState;
    s = stepSlowdown(s, judged(1.9), true, 1);
    expect(s.open).toBeNull();
    s = stepSlowdown(s, judged(SLOW_ENTER), true, 2);
    expect(s).toMatchObject({ since: 2, episodes: 1 });
    s = stepSlowdown(s, judged(1.6), true, 3); // dips under 2×: still the same episode
    s = stepSlowdown(s, judged(2.4), true, 4);
    expect(s).toMatchObject({ since: 2, episodes: 1, open: { factor: 2.4 } });
    s = stepSlowdown(s, null, true, 5); // a sparse window says nothing
    expect(s.episodes).toBe(1);
    expect(s.open).not.toBeNull();
    s = stepSlowdown(s, judged(1.4), true, 6);
    expect(s.open).toBeNull();
    s = stepSlowdown(s, judged(2.1), true, 7);
    expect(s).toMatchObject({ since: 7, episodes: 2 });
  });

  it('a run that is not running has no slowdown (its status says more)', () => {
    let s = stepSlowdown(initialSlowdownState, judged(3), true, 1);
    s = stepSlowdown(s, judged(3), false, 2);
    expect(s.open).toBeNull();
    expect(stepSlowdown(initialSlowdownState, judged(3), false, 1).episodes).toBe(0);
  });
});
