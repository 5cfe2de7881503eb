import { describe, expect, it } from 'vitest';
import type { WorkerStatus } from '../../../shared/model';
import { type AlertSettings, type AlertState, initialAlertState, stepAlerts } from './alerts';

const MIN = 60_000;
const settings: AlertSettings = { repeatMs: 60 * MIN, flapWindowMs: 10 * MIN, snoozedUntil: null };

/** Runs a sequence of [minute, status] and returns the notices as "minute:kind". */
function play(steps: [number, WorkerStatus][], s: AlertSettings = settings): string[] {
  let state: AlertState = initialAlertState;
  const out: string[] = [];
  for (const [min, status] of steps) {
    const r = stepAlerts(state, status, `reason ${status}`, min * MIN, s);
    state = r.state;
    for (const n of r.notices) out.push(`${min}:${n.kind}`);
  }
  return out;
}

describe('alert episodes', () => {
  it('one notice when an episode starts, one when it recovers', () => {
    expect(
      play([
        [0, 'running'],
        [1, 'stalled'],
        [2, 'stalled'],
        [3, 'stalled'],
        [4, 'running'],
        [5, 'running'],
      ]),
    ).toEqual(['1:stalled', '4:recovered']);
  });

  it('late does not alert', () => {
    expect(
      play([
        [0, 'running'],
        [1, 'late'],
        [2, 'running'],
      ]),
    ).toEqual([]);
  });

  it('reminds after the repeat interval while the episode stays open', () => {
    expect(
      play([
        [0, 'stalled'],
        [30, 'stalled'],
        [60, 'stalled'],
        [90, 'stalled'],
        [120, 'stalled'],
      ]),
    ).toEqual(['0:stalled', '60:reminder', '120:reminder']);
  });

  it('a change of alarm is a new notice (stalled, then the host goes silent)', () => {
    expect(
      play([
        [0, 'stalled'],
        [1, 'unreachable'],
        [2, 'running'],
      ]),
    ).toEqual(['0:stalled', '1:unreachable', '2:recovered']);
  });

  it('a flapping worker does not flood: each kind at most once per flap window', () => {
    const flaps: [number, WorkerStatus][] = [];
    for (let m = 0; m < 9; m += 2) flaps.push([m, 'stalled'], [m + 1, 'running']);
    expect(play(flaps)).toEqual(['0:stalled', '1:recovered']);
    // After the window it may speak again.
    expect(play([...flaps, [20, 'stalled']])).toEqual(['0:stalled', '1:recovered', '20:stalled']);
  });

  it('silence while snoozed, and no burst when the snooze ends', () => {
    const s = { ...settings, snoozedUntil: 30 * MIN };
    expect(
      play(
        [
          [0, 'stalled'],
          [10, 'running'],
          [20, 'failed'],
          [31, 'failed'],
          [81, 'failed'],
        ],
        s,
      ),
    ).toEqual(['81:reminder']);
  });

  it('finished is announced once, and again only after the worker ran again', () => {
    expect(
      play([
        [0, 'running'],
        [1, 'finished'],
        [2, 'finished'],
        [3, 'running'],
        [4, 'finished'],
      ]),
    ).toEqual(['1:finished', '4:finished']);
  });

  it('unknown neither opens nor closes an episode', () => {
    expect(
      play([
        [0, 'unreachable'],
        [1, 'unknown'],
        [2, 'unreachable'],
        [3, 'running'],
      ]),
    ).toEqual(['0:unreachable', '3:recovered']);
  });

  it('an episode open at start-up is told once', () => {
    expect(
      play([
        [0, 'failed'],
        [1, 'failed'],
      ]),
    ).toEqual(['0:failed']);
  });
});

describe('alert keys (idempotency: episode id + kind)', () => {
  /** Like play, but returns the keys, and round-trips the state through JSON between steps (a restart). */
  function keys(steps: [number, WorkerStatus][], restartAt: number[] = []): string[] {
    let state: AlertState = initialAlertState;
    const out: string[] = [];
    for (const [min, status] of steps) {
      if (restartAt.includes(min)) state = JSON.parse(JSON.stringify(state)) as AlertState;
      const r = stepAlerts(state, status, `reason ${status}`, min * MIN, settings);
      state = r.state;
      for (const n of r.notices) out.push(n.key);
    }
    return out;
  }

  it('each notice of an episode names the episode; reminders and episodes never share a key', () => {
    const k = keys([
      [0, 'stalled'],
      [60, 'stalled'],
      [120, 'stalled'],
      [121, 'running'],
      [200, 'stalled'],
      [201, 'finished'],
    ]);
    const first = `stalled-${(0).toString(36)}`;
    expect(k.slice(0, 4)).toEqual([
      `${first}:stalled`,
      `${first}:reminder-1`,
      `${first}:reminder-2`,
      `${first}:recovered`,
    ]);
    expect(k[4]).toBe(`stalled-${(200 * MIN).toString(36)}:stalled`);
    expect(new Set(k).size).toBe(k.length);
    // finished closes the second stalled episode without a "recovered", and is announced once.
    expect(k.at(-1)).toBe(`finished-${(201 * MIN).toString(36)}:finished`);
  });

  it('the same steps give the same keys, and a state restored from JSON continues its episode', () => {
    const steps: [number, WorkerStatus][] = [
      [0, 'unreachable'],
      [1, 'unknown'],
      [2, 'unreachable'],
      [70, 'unreachable'],
      [71, 'running'],
    ];
    expect(keys(steps)).toEqual(keys(steps));
    // A restart in the middle of the episode: no second "unreachable", the same episode recovers.
    expect(keys(steps, [1, 2, 70])).toEqual(keys(steps));
    expect(keys(steps)).toEqual([
      `unreachable-0:unreachable`,
      `unreachable-0:reminder-1`,
      `unreachable-0:recovered`,
    ]);
  });
});

describe('a recovery', () => {
  const S = 1000;
  const ctx = (
    records: number,
    settled: boolean,
    where: string | null,
    lastContactAt: number | null = null,
  ) => ({
    records,
    settled,
    where,
    lastContactAt,
  });

  it('waits until what arrived meanwhile has been read, then says how long, how much and where it is now', () => {
    let state: AlertState = initialAlertState;
    const step = (at: number, status: WorkerStatus, c: ReturnType<typeof ctx>) => {
      const r = stepAlerts(state, status, `reason ${status}`, at, settings, c);
      state = r.state;
      return r.notices;
    };
    expect(step(0, 'running', ctx(100, true, 'epoch 79/200', 0))).toEqual([]);
    // The host last answered at 10 s; it is found silent at 25 s.
    expect(step(25 * S, 'unreachable', ctx(100, true, 'epoch 79/200', 10 * S)).map((n) => n.kind)).toEqual([
      'unreachable',
    ]);
    // Back at 85 s, the first part of the back-fill read: running, but no recovery with old values yet.
    expect(step(85 * S, 'running', ctx(110, false, 'epoch 89/200', 85 * S))).toEqual([]);
    const done = step(86 * S, 'running', ctx(126, true, 'epoch 105/200', 86 * S));
    expect(done).toEqual([
      expect.objectContaining({
        kind: 'recovered',
        status: 'running',
        message: 'recovered after 76 s silent; 26 records back-filled; now epoch 105/200',
      }),
    ]);
  });

  it('a stall that ends says how many new records; no epoch in the file: the reason', () => {
    let state: AlertState = initialAlertState;
    state = stepAlerts(state, 'stalled', 'no progress', 0, settings, ctx(5, true, null)).state;
    const r = stepAlerts(state, 'running', 'progress just now', 16 * MIN, settings, ctx(6, true, null));
    expect(r.notices[0]!.message).toBe('recovered after 16 min stalled; 1 record new; now progress just now');
  });
});
