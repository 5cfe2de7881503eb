import { describe, expect, it } from 'vitest';
import { ProgressLog, type WorkerFacts } from '../judge';
import { type OutlookInput, outlook, PACE_REFRESH_MS, PaceMemo } from './outlook';

function input(log: ProgressLog, now: number, totalEpochs = 20): OutlookInput {
  const facts = { epochBase: 0, totalEpochs, lastProgressAt: log.points.at(-1)?.t ?? now };
  return {
    log,
    facts: facts as unknown as WorkerFacts,
    status: 'running',
    host: 'gpu1',
    configEpochs: null,
    fileSteps: null,
    peerRates: [],
    slowdown: null,
    now,
  };
}

describe('outlook with a kept pace (PaceMemo)', () => {
  it('with a record every PACE_REFRESH_MS or more, says at every step what a fresh computation says', () => {
    const log = new ProgressLog();
    const memo = new PaceMemo();
    const compare = (i: OutlookInput) => expect(outlook(i, memo).fields).toEqual(outlook(i).fields);
    let t = 1_000_000;
    for (let step = 0; step < 120; step++) {
      // A run that slows down halfway: the ETA and the pace follow the new points.
      t += step < 60 ? PACE_REFRESH_MS : 3 * PACE_REFRESH_MS;
      log.add({ t, step, epoch: Math.floor(step / 10), n: step });
      compare(input(log, t + 500));
      compare(input(log, t + 900));
    }
    const before = outlook(input(log, t + 1000), memo).fields;
    expect(before.etaAt).not.toBeNull();
    // New totals are taken at once.
    compare(input(log, t + 1000, 40));
    expect(outlook(input(log, t + 1000, 40), memo).fields.etaAt).not.toBe(before.etaAt);
  });

  it('a log that grows every second is worked out again every PACE_REFRESH_MS, and at once after a restart', () => {
    const log = new ProgressLog();
    const memo = new PaceMemo();
    let t = 1_000_000;
    const values = new Set<unknown>();
    let lastRefresh = Number.NEGATIVE_INFINITY;
    const steps = (6 * PACE_REFRESH_MS) / 1000;
    for (let step = 0; step < steps; step++) {
      t += 1000;
      log.add({ t, step, epoch: Math.floor(step / 10), n: step });
      const v = memo.of(input(log, t));
      if (!values.has(v)) {
        values.add(v);
        if (v.recent !== null) {
          // A value worked out again is exactly today's.
          const fresh = new PaceMemo().of(input(log, t));
          expect(v).toEqual(fresh);
          if (lastRefresh > Number.NEGATIVE_INFINITY)
            expect(t - lastRefresh).toBeGreaterThanOrEqual(PACE_REFRESH_MS);
          lastRefresh = t;
        }
      }
      // Never older than PACE_REFRESH_MS once something is known.
      if (v.recent !== null) expect(t - lastRefresh).toBeLessThan(PACE_REFRESH_MS);
    }
    // Worked out at each of the first few points (nothing known yet), then once per PACE_REFRESH_MS.
    expect(values.size).toBeGreaterThanOrEqual(6);
    expect(values.size).toBeLessThanOrEqual(12);
    // A restart into the same file: the log starts over, and so does the forecast, at once.
    log.add({ t: t + 1000, step: 0, epoch: 0, n: steps });
    expect(memo.of(input(log, t + 1000))).toEqual(new PaceMemo().of(input(log, t + 1000)));
    expect(memo.of(input(log, t + 1000)).recent).toBeNull();
  });
});
