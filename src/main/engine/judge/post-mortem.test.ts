import { describe, expect, it } from 'vitest';
import { vitalsSample } from '../../../../test/support/vitals-sample';
import { diagnoseSilence, rankCauses, summarizeReturn } from './post-mortem';
import type { VitalsSample } from './vitals-sample';

const S = 1000;
const MIN = 60 * S;
const GB = 2 ** 30;
const T0 = Date.UTC(2026, 10, 28, 19, 51, 58);
const clock = (t: number, seconds?: boolean) => new Date(t).toISOString().slice(11, seconds ? 19 : 16);

function sample(
  t: number,
  v: Partial<VitalsSample['vitals']> = {},
  rest: Partial<VitalsSample> = {},
): VitalsSample {
  const pressure = { memorySome10: 1, memoryFull10: 0, cpuSome10: 5, ioSome10: 0, ioFull10: 0 };
  return vitalsSample(t, {
    v: { oomKills: 2, uptimeSeconds: 90_000, pressure, ...v },
    workers: {},
    pids: undefined,
    ...rest,
  });
}

const facts = { silentSince: T0 + 2 * S, lastAnswerAt: T0, clock };

describe('the post-mortem of a silence', () => {
  it('memory exhausted with no swap and high pressure: memory exhaustion, as the issue words it', () => {
    const last = sample(T0, {
      memAvailableBytes: 0.3 * GB,
      pressure: { memorySome10: 80, memoryFull10: 64, cpuSome10: 10, ioSome10: 0, ioFull10: 0 },
    });
    expect(diagnoseSilence(last, [], facts)).toBe(
      'silent since 19:52 · last answer 19:51:58: 0.3 of 61 GB free, no swap, memory pressure 64 % → ' +
        'memory exhaustion is the likely cause (thrashing, or the OOM killer took sshd)',
    );
  });

  it('memory falling fast counts, and a second cause is named when it is strong', () => {
    const earlier = sample(T0 - 3 * MIN, { memAvailableBytes: 30 * GB });
    const last = sample(T0, {
      memAvailableBytes: 2.5 * GB,
      load1: 40,
      pressure: { memorySome10: 20, memoryFull10: 5, cpuSome10: 97, ioSome10: 0, ioFull10: 0 },
    });
    const text = diagnoseSilence(last, [earlier, last], facts);
    expect(text).toMatch(
      /: 2\.5 of 61 GB free, no swap, memory pressure 5\.0 %, down 45 % of RAM in 3 min → memory exhaustion/,
    );
    expect(text).toMatch(/; then CPU saturation \(load 40\.0 on 8 CPUs, CPU pressure 97 %\)$/);
  });

  it('ranks CPU saturation, I/O stalls and a wedged GPU driver by their evidence', () => {
    const busy = sample(T0, {
      load1: 64,
      pressure: { memorySome10: 0, memoryFull10: 0, cpuSome10: 99, ioSome10: 0, ioFull10: 0 },
    });
    expect(rankCauses(busy).map((c) => c.name)).toEqual(['CPU saturation']);
    const io = sample(T0, {
      pressure: { memorySome10: 0, memoryFull10: 0, cpuSome10: 0, ioSome10: 90, ioFull10: 85 },
    });
    expect(rankCauses(io)[0]!.how).toMatch(/network file system/);
    const gpu = sample(T0, {}, { gpuHung: true, gpuNote: 'nvidia-smi did not answer within 10 s' });
    expect(diagnoseSilence(gpu, [], facts)).toMatch(
      /nvidia-smi did not answer within 10 s → a wedged GPU driver is the likely cause/,
    );
  });

  it('nothing wrong in the last vitals: a network problem or a stopped instance; no vitals: unknown', () => {
    expect(diagnoseSilence(sample(T0), [], facts)).toBe(
      'silent since 19:52 · last answer 19:51:58: no sign of trouble in its last vitals → a network problem, or ' +
        'the instance was stopped or rebooted, is the likely cause',
    );
    expect(diagnoseSilence(null, [], { ...facts, lastAnswerAt: null })).toBe(
      'silent since 19:52 · never answered; no vitals were read before, so the cause is unknown',
    );
  });

  it('says when the last vitals are older than the last answer', () => {
    expect(diagnoseSilence(sample(T0 - 10 * MIN), [], facts)).toMatch(
      /last answer 19:51:58 \(vitals of 19:41:58\): /,
    );
  });
});

describe('when the host answers again', () => {
  const back = { silentSince: T0, backAt: T0 + 14 * MIN, clock };

  it('a changed boot id: rebooted, every run is gone; the records back-filled per worker', () => {
    const text = summarizeReturn(
      sample(T0, { oomKills: 7 }),
      sample(T0 + 14 * MIN, { oomKills: 0, uptimeSeconds: 180 }, { bootId: 'boot-b' }),
      { ...back, backfilled: { i3d: 1204, slowfast: 0 }, processGone: ['i3d', 'slowfast'] },
    );
    expect(text).toBe(
      "back after 14 min of silence (19:51–20:05): it rebooted (boot id changed, up 3 min), so every run's " +
        'process is gone; records back-filled: i3d 1,204',
    );
  });

  it('the same boot: the OOM kills meanwhile and the workers whose process is gone', () => {
    const text = summarizeReturn(sample(T0, { oomKills: 2 }), sample(T0 + 14 * MIN, { oomKills: 5 }), {
      ...back,
      backfilled: {},
      processGone: ['i3d'],
    });
    expect(text).toBe(
      'back after 14 min of silence (19:51–20:05): 3 processes killed by the OOM killer; i3d: process gone',
    );
    expect(summarizeReturn(null, null, { ...back, backfilled: {}, processGone: [] })).toMatch(
      /: nothing else changed$/,
    );
  });
});
