// The fake fleet's hosts (see contract-fake.ts): an EC2 box with two GPUs, one nearly out of memory, and
// a GPU box gone silent with its post-mortem; and a deterministic last hour of each worker's resources.

import type { ResourceHistory } from './contract';
import type { HostSnapshot, WorkerResources, WorkerSnapshot } from './model';

const GB = 2 ** 30;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Each fake worker's resources now: RSS, CPU, GPU memory. */
export const FAKE_RESOURCES: Record<string, WorkerResources> = {
  I3D: { rssBytes: 21.4 * GB, cpuPct: 412, gpuMemBytes: 19.8 * GB },
  SlowFast: { rssBytes: 17.9 * GB, cpuPct: 388, gpuMemBytes: 21.6 * GB },
  Transformer: { rssBytes: 6.2 * GB, cpuPct: 101, gpuMemBytes: null },
  MagVIT: { rssBytes: 30.1 * GB, cpuPct: 0, gpuMemBytes: 22.1 * GB },
};

const pressure = (memorySome10: number, memoryFull10: number) => ({
  memorySome10,
  memoryFull10,
  cpuSome10: 34.5,
  ioSome10: 1.2,
  ioFull10: 0.4,
});

export function defaultHosts(now: number, workers: readonly WorkerSnapshot[]): HostSnapshot[] {
  const on = (host: string) => workers.filter((w) => w.host === host).map((w) => w.name);
  const hosts: HostSnapshot[] = [
    {
      name: 'ec2',
      connection: 'ok',
      lastContactAt: iso(now - 2_000),
      bootId: '5f1c3c1e-9d8b-4c0a-8f77-2d6a1e0b9c11',
      vitalsAt: iso(now - 4_000),
      vitals: {
        memTotalBytes: 64 * GB,
        memAvailableBytes: 2.6 * GB,
        swapTotalBytes: 0,
        swapFreeBytes: 0,
        load1: 11.8,
        cpus: 16,
        oomKills: 0,
        uptimeSeconds: 4 * 86_400,
        pressure: pressure(18.2, 6.1),
      },
      vitalsNote: null,
      disks: [
        {
          path: '/home/ubuntu/mono_to_3d',
          freeBytes: 61 * GB,
          totalBytes: 484 * GB,
          freeInodes: 29_000_000,
          workers: on('ec2'),
        },
      ],
      gpus: [
        {
          index: 0,
          name: 'NVIDIA A10G',
          utilPct: 97,
          memUsedBytes: 19.8 * GB,
          memTotalBytes: 22.5 * GB,
          tempC: 71,
          powerW: 187,
          powerLimitW: 300,
          throttle: ['power cap'],
        },
        {
          index: 1,
          name: 'NVIDIA A10G',
          utilPct: 3,
          memUsedBytes: 21.6 * GB,
          memTotalBytes: 22.5 * GB,
          tempC: 44,
          powerW: 61,
          powerLimitW: 300,
          throttle: ['idle'],
        },
      ],
      gpuNote: null,
      warnings: [
        {
          kind: 'memory',
          since: iso(now - 3 * MINUTE),
          text:
            "memory nearly exhausted: 2.6 of 64 GB free, no swap, memory pressure 6.1 % (I3D's processes hold 21 GB) — " +
            'the OOM killer or a freeze comes next: lower the batch size or the DataLoader workers, or stop a run',
          workers: on('ec2'),
        },
        {
          kind: 'gpu-idle',
          since: iso(now - MINUTE),
          text:
            'GPU 1 idle (3 % for 6 min) while SlowFast is running: a starved data loader (raise num_workers, check the disk) ' +
            'or a hang (`py-spy dump --pid 40122` on the host shows where it waits)',
          workers: ['SlowFast'],
        },
      ],
      silence: null,
      returned: null,
      workers: on('ec2'),
    },
    {
      name: 'gpu-box',
      connection: 'unreachable',
      lastContactAt: iso(now - 5 * MINUTE),
      bootId: '0c6d8a5e-3b1f-4e2a-9f0d-7a8b9c0d1e2f',
      vitalsAt: iso(now - 5 * MINUTE - 2_000),
      vitals: {
        memTotalBytes: 61 * GB,
        memAvailableBytes: 0.3 * GB,
        swapTotalBytes: 0,
        swapFreeBytes: 0,
        load1: 31.2,
        cpus: 8,
        oomKills: 2,
        uptimeSeconds: 9 * 86_400,
        pressure: pressure(81, 64),
      },
      vitalsNote: null,
      disks: [
        {
          path: '/data/magvit',
          freeBytes: 212 * GB,
          totalBytes: 1000 * GB,
          freeInodes: 60_000_000,
          workers: on('gpu-box'),
        },
      ],
      gpus: [
        {
          index: 0,
          name: 'NVIDIA A100-SXM4-40GB',
          utilPct: 0,
          memUsedBytes: 22.1 * GB,
          memTotalBytes: 40 * GB,
          tempC: 38,
          powerW: 58,
          powerLimitW: 400,
          throttle: [],
        },
      ],
      gpuNote: null,
      warnings: [],
      silence:
        'silent since 19:52 · last answer 19:51:58: 0.3 of 61 GB free, no swap, memory pressure 64 % → memory exhaustion ' +
        'is the likely cause (thrashing, or the OOM killer took sshd)',
      returned: null,
      workers: on('gpu-box'),
    },
  ];
  return hosts.filter((h) => h.workers.length > 0);
}

/** A last hour of one worker's resources, one point per 10 s, drifting up to its value now. */
export function fakeResourceHistory(worker: WorkerSnapshot, now: number, sinceMs: number): ResourceHistory {
  const r = worker.resources ??
    FAKE_RESOURCES[worker.name] ?? { rssBytes: null, cpuPct: null, gpuMemBytes: null };
  const n = Math.floor(sinceMs / 10_000);
  const points = Array.from({ length: n + 1 }, (_, i) => {
    const f = i / Math.max(1, n);
    const wave = Math.sin(i / 7) * 0.03;
    return {
      t: now - sinceMs + i * 10_000,
      rssBytes: r.rssBytes === null ? null : r.rssBytes * (0.7 + 0.3 * f + wave),
      cpuPct: r.cpuPct === null ? null : Math.max(0, r.cpuPct * (0.9 + wave * 3)),
      gpuMemBytes: r.gpuMemBytes === null ? null : r.gpuMemBytes * (f < 0.05 ? 0.2 : 1),
    };
  });
  return {
    worker: worker.name,
    host: worker.host,
    points,
    memTotalBytes: worker.host === 'ec2' ? 64 * GB : 61 * GB,
  };
}
