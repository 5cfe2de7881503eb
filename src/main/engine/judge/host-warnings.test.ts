import { describe, expect, it } from 'vitest';
import { vitalsSample } from '../../../../test/support/vitals-sample';
import type { HostGpu, WorkerStatus } from '../../../shared/model';
import {
  DEFAULT_WARNING_SETTINGS,
  initialWarningState,
  stepWarnings,
  type WarningSettings,
  type WarningState,
  type WarningWorker,
} from './host-warnings';
import type { VitalsSample } from './vitals-sample';

const S = 1000;
const MIN = 60 * S;
const GB = 2 ** 30;
const settings: WarningSettings = { ...DEFAULT_WARNING_SETTINGS, clock: () => '19:52' };

function sample(
  t: number,
  change: Partial<VitalsSample> & { v?: Partial<VitalsSample['vitals']> } = {},
): VitalsSample {
  return vitalsSample(t, {
    workers: { i3d: { rssBytes: 41 * GB, cpuPct: 350, gpuMemBytes: null } },
    pids: { i3d: [4242, 4243], slowfast: [5000] },
    ...change,
  });
}

const running: WarningWorker[] = [
  { name: 'i3d', status: 'running' },
  { name: 'slowfast', status: 'running' },
];

/** Feeds readings one by one; returns the notices as "t:kind" and the last step's result. */
function play(readings: VitalsSample[], workers: WarningWorker[] = running) {
  let state: WarningState = initialWarningState;
  let previous: VitalsSample | null = null;
  const notices: string[] = [];
  const recent: VitalsSample[] = [];
  let last: ReturnType<typeof stepWarnings> | null = null;
  for (const s of readings) {
    last = stepWarnings(state, { now: s.t, sample: s, previous, recent, workers }, settings);
    state = last.state;
    for (const n of last.notices) notices.push(`${s.t / S}:${n.kind}`);
    previous = s;
    recent.push(s);
  }
  return { notices, last: last!, state };
}

describe('memory warnings', () => {
  it('warns when MemAvailable falls under 5 % with no swap, naming the biggest run and what to do', () => {
    const { notices, last } = play([sample(0), sample(10 * S, { v: { memAvailableBytes: 0.3 * GB } })]);
    expect(notices).toEqual(['10:memory']);
    expect(last.active).toHaveLength(1);
    expect(last.active[0]!.text).toBe(
      "memory nearly exhausted: 0.3 of 61 GB free, no swap, memory pressure 0 % (i3d's processes hold 41 GB) — " +
        'the OOM killer or a freeze comes next: lower the batch size or the DataLoader workers, or stop a run ' +
        '(`vigil doctor` shows how to add swap)',
    );
    expect(last.active[0]!.since).toBe(new Date(10 * S).toISOString());
    expect(last.active[0]!.workers).toEqual(['i3d', 'slowfast']);
  });

  it('warns on memory pressure alone (full avg10 over 10 %), even with swap', () => {
    const { notices } = play([
      sample(0, { v: { swapTotalBytes: 8 * GB, swapFreeBytes: 8 * GB } }),
      sample(10 * S, {
        v: {
          swapTotalBytes: 8 * GB,
          swapFreeBytes: 8 * GB,
          pressure: { memorySome10: 30, memoryFull10: 12, cpuSome10: 0, ioSome10: 0, ioFull10: 0 },
        },
      }),
    ]);
    expect(notices).toEqual(['10:memory']);
  });

  it('little free memory with plenty of swap left is not yet a warning', () => {
    const { notices } = play([
      sample(0, { v: { memAvailableBytes: 1 * GB, swapTotalBytes: 8 * GB, swapFreeBytes: 7 * GB } }),
    ]);
    expect(notices).toEqual([]);
  });

  it('does not flap at the threshold: closes only after three all-clear readings, and a quick return is not announced again', () => {
    const low = (t: number) => sample(t * S, { v: { memAvailableBytes: 2.8 * GB } }); // 4.6 %
    const edge = (t: number) => sample(t * S, { v: { memAvailableBytes: 3.2 * GB } }); // 5.2 %: not firing, still holding
    const fine = (t: number) => sample(t * S, { v: { memAvailableBytes: 20 * GB } });
    const { notices, state } = play([
      low(0),
      edge(10),
      low(20),
      edge(30),
      edge(40),
      fine(50),
      fine(60),
      low(70), // still open: only 2 all-clear readings so far
      fine(80),
      fine(90),
      fine(100), // closed here
      low(110), // reopened within the flap window: not announced
      fine(120),
      fine(130),
      fine(140),
      low(800), // long after: a new episode
    ]);
    expect(notices).toEqual(['0:memory', '800:memory']);
    expect(state.open.memory?.since).toBe(800 * S);
  });

  it('unknown memory (no /proc readings) neither opens nor closes a warning', () => {
    const unknown = (t: number) =>
      sample(t * S, {
        v: {
          memTotalBytes: null,
          memAvailableBytes: null,
          pressure: {
            memorySome10: null,
            memoryFull10: null,
            cpuSome10: null,
            ioSome10: null,
            ioFull10: null,
          },
        },
      });
    const { notices, last } = play([
      sample(0, { v: { memAvailableBytes: 0.5 * GB } }),
      unknown(10),
      unknown(20),
      unknown(30),
      unknown(40),
    ]);
    expect(notices).toEqual(['0:memory']);
    expect(last.active.map((w) => w.kind)).toEqual(['memory']);
  });
});

describe('swap thrashing', () => {
  it('warns on a swap rate above ~10 MB/s', () => {
    const withSwap = { swapTotalBytes: 8 * GB, swapFreeBytes: 2 * GB };
    const { notices, last } = play([
      sample(0, { v: withSwap, swapIns: 0, swapOuts: 0 }),
      sample(10 * S, { v: withSwap, swapIns: 20_000, swapOuts: 15_000 }),
    ]);
    expect(notices).toEqual(['10:swap']);
    expect(last.active.find((w) => w.kind === 'swap')!.text).toMatch(
      /^swap thrashing: 14 MB\/s in and out of swap/,
    );
  });

  it('a reboot between readings is not a rate', () => {
    const withSwap = { swapTotalBytes: 8 * GB, swapFreeBytes: 8 * GB };
    const { notices } = play([
      sample(0, { v: withSwap, swapIns: 900_000, swapOuts: 900_000 }),
      sample(10 * S, { v: withSwap, bootId: 'boot-b', swapIns: 0, swapOuts: 0 }),
      sample(20 * S, { v: withSwap, bootId: 'boot-b', swapIns: 10, swapOuts: 10 }),
    ]);
    expect(notices).toEqual([]);
  });
});

describe('disk warnings', () => {
  const disk = (free: number, total = 500 * GB) => ({
    path: '/home/u/runs',
    fsid: 'abc',
    freeBytes: free,
    totalBytes: total,
    freeInodes: 1_000_000,
    workers: ['i3d', 'slowfast'],
  });

  it('warns under 2 GB free even on a big disk, with the time left at the current rate', () => {
    const free = [4, 3.5, 3, 2.5, 1.9];
    const readings = free.map((f, i) => sample(i * MIN, { disks: [disk(f * GB, 30 * GB)] }));
    const { notices, last } = play(readings);
    expect(notices).toEqual(['240:disk']);
    expect(last.active[0]!.text).toBe(
      'disk nearly full on /home/u/runs: 1.9 GB free of 30 GB (6.3 %), full in about 3 min at the current rate — ' +
        'a checkpoint save will fail: delete old checkpoints or move them off the host',
    );
    expect(last.active[0]!.workers).toEqual(['i3d', 'slowfast']);
  });

  it('warns under 5 % of a small disk; a disk that is not filling gives no time', () => {
    const { last } = play([
      sample(0, { disks: [disk(4 * GB, 100 * GB)] }),
      sample(60 * S, { disks: [disk(4 * GB, 100 * GB)] }),
    ]);
    expect(last.active[0]!.text).toMatch(
      /^disk nearly full on \/home\/u\/runs: 4\.0 GB free of 100 GB \(4\.0 %\) — /,
    );
  });
});

describe('GPU warnings', () => {
  const gpu = (change: Partial<HostGpu> = {}): HostGpu => ({
    index: 0,
    name: 'NVIDIA A10G',
    utilPct: 97,
    memUsedBytes: 10 * GB,
    memTotalBytes: 24 * GB,
    tempC: 60,
    powerW: 180,
    powerLimitW: 300,
    throttle: [],
    ...change,
  });
  const onGpu0 = { i3d: [0] };

  it('GPU idle while its run is running: only after 5 minutes, with the py-spy command', () => {
    const readings = [0, 1, 2, 3, 4, 5, 6].map((m) =>
      sample(m * MIN, { gpus: [gpu({ utilPct: m === 0 ? 90 : 2 })], gpusOf: onGpu0 }),
    );
    const { notices, last } = play(readings);
    expect(notices).toEqual(['360:gpu-idle']);
    expect(last.active[0]!.text).toBe(
      'GPU 0 idle (2 % for 5 min) while i3d is running: a starved data loader (raise num_workers, check the disk) ' +
        'or a hang (`py-spy dump --pid 4242` on the host shows where it waits)',
    );
    expect(last.active[0]!.workers).toEqual(['i3d']);
  });

  it('an idle GPU is no warning when its run is not running (stalled, finished) or no run uses it', () => {
    const idle = (m: number) => sample(m * MIN, { gpus: [gpu({ utilPct: 0 })], gpusOf: onGpu0 });
    const readings = [0, 2, 4, 6, 8].map(idle);
    expect(play(readings, [{ name: 'i3d', status: 'finished' as WorkerStatus }]).notices).toEqual([]);
    const unused = [0, 2, 4, 6, 8].map((m) => sample(m * MIN, { gpus: [gpu({ utilPct: 0 })], gpusOf: {} }));
    expect(play(unused).notices).toEqual([]);
  });

  it('GPU memory nearly full, GPU hot or throttled by heat', () => {
    const { notices, last } = play([
      sample(0, {
        gpus: [gpu({ memUsedBytes: 23.5 * GB }), gpu({ index: 1, tempC: 71, throttle: ['power cap'] })],
        gpusOf: onGpu0,
      }),
      sample(10 * S, {
        gpus: [
          gpu({ memUsedBytes: 23.5 * GB }),
          gpu({ index: 1, tempC: 78, throttle: ['thermal (hardware)'] }),
        ],
        gpusOf: onGpu0,
      }),
    ]);
    expect(notices).toEqual(['0:gpu-memory', '10:gpu-hot']);
    expect(last.active.map((w) => w.text)).toEqual([
      'GPU 0 memory nearly full: 23.5 of 24.0 GB used — the next allocation fails with CUDA out of memory: ' +
        'lower the batch size, or use gradient accumulation',
      'GPU 1 hot: 78 °C, throttled (thermal (hardware)) — it runs slower and may fail: check the cooling, or lower ' +
        'its power limit (nvidia-smi -pl)',
    ]);
  });

  it('a hung nvidia-smi is a warning until a query answers again', () => {
    const note = 'nvidia-smi did not answer within 10 s — the GPU driver may be wedged';
    const { notices, last } = play([
      sample(0, { gpus: [gpu()] }),
      sample(10 * S, { gpus: null, gpuHung: true, gpuNote: note }),
      sample(20 * S, { gpus: null, gpuHung: true, gpuNote: note }),
    ]);
    expect(notices).toEqual(['10:gpu-hung']);
    expect(last.active[0]!.text).toMatch(
      /^nvidia-smi did not answer within 10 s — the GPU driver may be wedged — `sudo dmesg/,
    );
    const after = play([
      sample(0, { gpus: null, gpuHung: true, gpuNote: note }),
      ...[1, 2, 3].map((i) => sample(i * 10 * S, { gpus: [gpu()] })),
    ]);
    expect(after.last.active).toEqual([]);
  });
});

describe('the OOM killer', () => {
  it('a rise of the counter names the worker whose process vanished, once per episode', () => {
    const { notices, last } = play([
      sample(0, { v: { oomKills: 3 } }),
      sample(10 * S, { v: { oomKills: 4 }, pids: { i3d: [], slowfast: [5000] } }),
      sample(20 * S, { v: { oomKills: 5 }, pids: { i3d: [], slowfast: [5000] } }),
    ]);
    expect(notices).toEqual(['10:oom']);
    const w = last.active.find((a) => a.kind === 'oom')!;
    expect(w.text).toBe(
      "the OOM killer fired (2 processes killed, the last at 19:52): no worker's process is among them (another program, or sshd) — " +
        'memory ran out: lower the batch size or the DataLoader workers (`journalctl -k | grep -i oom` on the host names what was killed)',
    );
    const first = play([
      sample(0, { v: { oomKills: 3 } }),
      sample(10 * S, { v: { oomKills: 4 }, pids: { i3d: [], slowfast: [5000] } }),
    ]);
    expect(first.last.active[0]!.text).toMatch(
      /\(1 process killed, the last at 19:52\): i3d's process 4242 is gone —/,
    );
    expect(first.last.active[0]!.workers).toEqual(['i3d']);
  });

  it('the warning lasts ten minutes after the last kill; a reboot resets the counter without a warning', () => {
    const { last } = play([
      sample(0, { v: { oomKills: 0 } }),
      sample(10 * S, { v: { oomKills: 1 } }),
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((m) => sample(10 * S + m * MIN, { v: { oomKills: 1 } })),
    ]);
    expect(last.active.map((w) => w.kind)).toEqual(['oom']);
    const later = play([
      sample(0, { v: { oomKills: 0 } }),
      sample(10 * S, { v: { oomKills: 1 } }),
      ...[5, 10, 11, 12].map((m) => sample(10 * S + m * MIN, { v: { oomKills: 1 } })),
    ]);
    expect(later.last.active).toEqual([]);
    expect(
      play([sample(0, { v: { oomKills: 9 } }), sample(10 * S, { bootId: 'boot-b', v: { oomKills: 0 } })])
        .notices,
    ).toEqual([]);
  });
});
