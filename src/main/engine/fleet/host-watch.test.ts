import { describe, expect, it } from 'vitest';
import { vitalsSample } from '../../../../test/support/vitals-sample';
import { HostWatch } from './host-watch';

const GB = 2 ** 30;
const HOUR = 3_600_000;

const reading = (t: number, memAvailableBytes = 30 * GB) => vitalsSample(t, { v: { memAvailableBytes } });

function watch(alerts: string[] = []) {
  return new HostWatch({
    host: 'gpu1',
    workers: ['w1'],
    history: null,
    everyMs: 10_000,
    statusOf: () => 'running',
    recordsOf: () => 0,
    processOf: () => 'running',
    onAlert: (a) => alerts.push(a.message),
    clock: () => '03:00',
  });
}

describe('HostWatch.snapshot', () => {
  const base = { name: 'gpu1', connection: 'ok' as const, lastContactAt: 1_000 };

  it('gives the same object while nothing it shows changed, a new one with each change', () => {
    const w = watch();
    w.sample(reading(1_000), null, 1_000);
    const first = w.snapshot(base, 2_000, false);
    expect(w.snapshot(base, 3_000, false)).toBe(first);
    expect(first.vitals?.memAvailableBytes).toBe(30 * GB);
    expect(first.lastContactAt).toBe(new Date(1_000).toISOString());

    w.sample(reading(11_000, 2 * GB), null, 11_000);
    const fresher = w.snapshot(base, 11_500, false);
    expect(fresher).not.toBe(first);
    expect(fresher.vitals?.memAvailableBytes).toBe(2 * GB);
    expect(fresher.vitalsAt).toBe(new Date(11_000).toISOString());

    const later = w.snapshot({ ...base, lastContactAt: 12_000 }, 12_000, false);
    expect(later.lastContactAt).toBe(new Date(12_000).toISOString());
    const dropped = w.snapshot({ ...base, connection: 'unreachable', lastContactAt: 12_000 }, 13_000, false);
    expect(dropped.connection).toBe('unreachable');
    expect(w.snapshot(base, 13_000, true).vitalsNote).toBe('vitals are off for this host (vitals: false)');

    w.sample(null, 'vitals unavailable: timed out', 21_000);
    expect(w.snapshot(base, 21_000, false).vitalsNote).toBe('vitals unavailable: timed out');
  });

  it('shows a silence and the summary of the return, and drops the summary after an hour', () => {
    const alerts: string[] = [];
    const w = watch(alerts);
    w.sample(reading(1_000), null, 1_000);
    w.silent(5_000, 1_000);
    const silent = w.snapshot({ ...base, connection: 'unreachable' }, 6_000, false);
    expect(silent.silence).not.toBeNull();
    w.contacted(60_000);
    w.sample(reading(60_000), null, 60_000);
    w.caughtUp(60_000, true);
    expect(alerts).toHaveLength(1);
    const back = w.snapshot({ ...base, lastContactAt: 60_000 }, 61_000, false);
    expect(back.silence).toBeNull();
    expect(back.returned?.text).toMatch(/^back after/);
    expect(w.snapshot({ ...base, lastContactAt: 60_000 }, 60_000 + HOUR - 1, false)).toBe(back);
    expect(w.snapshot({ ...base, lastContactAt: 60_000 }, 60_000 + HOUR, false).returned).toBeNull();
  });
});
