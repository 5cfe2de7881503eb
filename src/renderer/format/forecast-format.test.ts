import { describe, expect, it } from 'vitest';
import type { WorkerStatus } from '../../shared/model';
import { etaText, finishClock, paceText, pageTitle, summaryText } from './forecast-format';

const ws = (...statuses: WorkerStatus[]) => statuses.map((status) => ({ status }));

describe('forecast and summary wording', () => {
  it('time left only with an ETA', () => {
    const now = Date.parse('2026-12-03T01:00:00Z');
    expect(etaText({ etaAt: '2026-12-03T02:20:00Z' }, now)).toBe('1 h 20 min left');
    expect(etaText({ etaAt: null }, now)).toBeNull();
    expect(etaText({}, now)).toBeNull();
    expect(etaText({ etaAt: 'garbage' }, now)).toBeNull();
  });

  it('the finish to the minute, with the day when it is not today', () => {
    const now = new Date(2026, 11, 3, 1, 0).getTime();
    const today = finishClock(new Date(2026, 11, 3, 14, 5, 31).getTime(), now);
    expect(today).toMatch(/^at .*05/);
    expect(today).not.toMatch(/31/); // no seconds
    const tomorrow = finishClock(new Date(2026, 11, 4, 9, 30).getTime(), now);
    expect(tomorrow).not.toMatch(/^at /);
    expect(tomorrow).toMatch(/30/);
  });

  it('pace: steps per second and time per epoch, what is known', () => {
    expect(paceText({ stepsPerSecond: 2.5, secondsPerEpoch: 300 })).toBe('2.5 steps/s · 5 min per epoch');
    expect(paceText({ stepsPerSecond: null, secondsPerEpoch: 4800 })).toBe('1 h 20 min per epoch');
    expect(paceText({})).toBeNull();
  });

  it('summary: each status with its count, worst first', () => {
    expect(summaryText(ws('running', 'failed', 'stalled', 'running', 'failed', 'running'))).toBe(
      '2 failed · 1 stalled · 3 running',
    );
    expect(summaryText(ws('finished', 'diverged', 'late'))).toBe('1 diverged · 1 late · 1 finished');
    expect(summaryText([])).toBe('');
    expect(pageTitle(ws('running'))).toBe('Vigil — 1 running');
    expect(pageTitle(null)).toBe('Vigil');
    expect(pageTitle([])).toBe('Vigil');
  });
});
