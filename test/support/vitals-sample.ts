import type { VitalsSample } from '../../src/main/engine/judge';

const GB = 2 ** 30;

/** A host's vitals reading at `t`: a healthy 61 GB host with one worker, changed where a test needs. */
export function vitalsSample(
  t: number,
  change: Partial<VitalsSample> & { v?: Partial<VitalsSample['vitals']> } = {},
): VitalsSample {
  const { v, ...rest } = change;
  return {
    t,
    bootId: 'boot-a',
    vitals: {
      memTotalBytes: 61 * GB,
      memAvailableBytes: 30 * GB,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
      load1: 4,
      cpus: 8,
      oomKills: 0,
      uptimeSeconds: 1000,
      pressure: { memorySome10: 0, memoryFull10: 0, cpuSome10: 5, ioSome10: 0, ioFull10: 0 },
      ...v,
    },
    swapIns: 0,
    swapOuts: 0,
    disks: [],
    gpus: null,
    gpuNote: null,
    gpuHung: false,
    workers: { w1: { rssBytes: GB, cpuPct: 100, gpuMemBytes: null } },
    pids: { w1: [4242] },
    ...rest,
  };
}
