// One reading of a host's vitals as the judge sees it (and the local history keeps it): the shapes the
// snapshot shows, plus the counters a judgement needs between two readings.

import type { HostDisk, HostGpu, HostVitals, WorkerResources } from '../../../shared/model';

export interface DiskSample extends HostDisk {
  /** The file system's id: two folders on one file system are one disk. */
  fsid: string;
}

export interface VitalsSample {
  /** Local time of the reading, ms. */
  t: number;
  bootId: string | null;
  vitals: HostVitals;
  /** Pages swapped in and out since boot (their rate says thrashing). */
  swapIns: number | null;
  swapOuts: number | null;
  disks: DiskSample[];
  /** null: no GPU answer (no nvidia-smi, or it failed: see gpuNote). */
  gpus: HostGpu[] | null;
  gpuNote: string | null;
  /** True when the GPU query hung (the driver may be wedged). */
  gpuHung: boolean;
  workers: Record<string, WorkerResources>;
  /** Each worker's process ids (its tree); kept in memory, not in the history file. */
  pids?: Record<string, number[]>;
  /** Each worker's GPUs (device indexes), from the compute apps. */
  gpusOf?: Record<string, number[]>;
}

/** MemAvailable as a fraction of MemTotal, or null. */
export function availableFraction(v: HostVitals): number | null {
  if (v.memTotalBytes === null || v.memAvailableBytes === null || v.memTotalBytes <= 0) return null;
  return v.memAvailableBytes / v.memTotalBytes;
}

/** Memory and disks in binary gigabytes, as `free -g`, `df -h` and EC2's instance sizes count them. */
const GB = 2 ** 30;

/** "0.3 of 61 GB", "23.5 of 24.0 GB", "250 of 500 GB": a tenth where it tells. */
export function gbOf(part: number, whole: number): string {
  const p = part / GB;
  const w = whole / GB;
  const partTenths = p < 10 || w < 100;
  const wholeTenths = w < 10 || (partTenths && p >= 10);
  return `${p.toFixed(partTenths ? 1 : 0)} of ${w.toFixed(wholeTenths ? 1 : 0)} GB`;
}

export function gb(bytes: number): string {
  const v = bytes / GB;
  return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} GB`;
}

export function pct(v: number): string {
  return `${v < 10 && v !== 0 ? v.toFixed(1) : v.toFixed(0)} %`;
}
