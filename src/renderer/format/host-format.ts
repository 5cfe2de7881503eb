// How a host's vitals read in the UI: bars and their levels, byte counts, the list grouped by host.
// Pure, so the wording and the thresholds are tested without rendering.

import { formatGigabytes as gbText } from '../../shared/human';
import {
  type HostSnapshot,
  STATUS_SEVERITY,
  type WorkerResources,
  type WorkerSnapshot,
} from '../../shared/model';

export type Level = 'ok' | 'warn' | 'bad' | 'unknown';

/** A bar: how full (0..1), its level by threshold, and the words that say the same (short and whole). */
export interface Bar {
  key: string;
  label: string;
  fraction: number | null;
  level: Level;
  text: string;
  short: string;
}

/** "2.6 / 65 GB": two amounts of one unit, rounded harder than gbText to fit beside a narrow meter. */
function pair(a: number | null, b: number | null): string {
  if (a === null || b === null) return '—';
  const f = (v: number) => (v / GB < 10 ? (v / GB).toFixed(1) : (v / GB).toFixed(0));
  return `${f(a)} / ${f(b)} GB`;
}

/** Memory and disks in binary gigabytes, as `free -g`, `df -h` and EC2's instance sizes count them. */
const GB = 2 ** 30;

// Sizes are worded in shared/human.ts, as `vigil status` words them.
export { formatGigabytes as gbText } from '../../shared/human';

function level(fraction: number | null, warnAt: number, badAt: number): Level {
  if (fraction === null) return 'unknown';
  return fraction >= badAt ? 'bad' : fraction >= warnAt ? 'warn' : 'ok';
}

export function hostBars(h: HostSnapshot): Bar[] {
  const bars: Bar[] = [];
  const v = h.vitals;
  if (v) {
    const used =
      v.memTotalBytes !== null && v.memAvailableBytes !== null ? v.memTotalBytes - v.memAvailableBytes : null;
    const frac = used !== null && v.memTotalBytes ? used / v.memTotalBytes : null;
    bars.push({
      key: 'ram',
      label: 'RAM',
      fraction: frac,
      level: level(frac, 0.85, 0.95),
      text: `${gbText(v.memAvailableBytes)} free of ${gbText(v.memTotalBytes)}`,
      short: `${pair(v.memAvailableBytes, v.memTotalBytes)} free`,
    });
    if (v.swapTotalBytes === 0) {
      bars.push({
        key: 'swap',
        label: 'swap',
        fraction: null,
        level: 'unknown',
        text: 'none',
        short: 'none',
      });
    } else if (v.swapTotalBytes !== null && v.swapFreeBytes !== null) {
      const f = 1 - v.swapFreeBytes / v.swapTotalBytes;
      bars.push({
        key: 'swap',
        label: 'swap',
        fraction: f,
        level: level(f, 0.5, 0.9),
        text: `${gbText(v.swapFreeBytes)} free of ${gbText(v.swapTotalBytes)}`,
        short: `${pair(v.swapFreeBytes, v.swapTotalBytes)} free`,
      });
    }
  }
  for (const d of h.disks) {
    const f = d.freeBytes !== null && d.totalBytes ? 1 - d.freeBytes / d.totalBytes : null;
    const low = d.freeBytes !== null && d.freeBytes < 2 * GB;
    bars.push({
      key: `disk:${d.path}`,
      label: 'disk',
      fraction: f,
      level: low ? 'bad' : level(f, 0.9, 0.95),
      text: `${gbText(d.freeBytes)} free on ${d.path}`,
      short: `${gbText(d.freeBytes)} free`,
    });
  }
  for (const g of h.gpus) {
    const util = g.utilPct === null ? null : g.utilPct / 100;
    bars.push({
      key: `gpu:${g.index}`,
      label: `GPU${g.index}`,
      fraction: util,
      level: util === null ? 'unknown' : 'ok',
      text: util === null ? 'utilization unknown' : `${g.utilPct} % busy`,
      short: util === null ? '?' : `${g.utilPct} %`,
    });
    const mem = g.memUsedBytes !== null && g.memTotalBytes ? g.memUsedBytes / g.memTotalBytes : null;
    bars.push({
      key: `gpumem:${g.index}`,
      label: `mem${g.index}`,
      fraction: mem,
      level: level(mem, 0.9, 0.95),
      text: `${gbText(g.memUsedBytes)} of ${gbText(g.memTotalBytes)}${g.tempC !== null ? `, ${g.tempC} °C` : ''}`,
      short: pair(g.memUsedBytes, g.memTotalBytes),
    });
  }
  return bars;
}

/** "RAM 21.4 GB · CPU 412 % · GPU 19.8 GB", or null when nothing is known. */
export function resourcesText(r: WorkerResources | undefined): string | null {
  if (!r || (r.rssBytes === null && r.cpuPct === null && r.gpuMemBytes === null)) return null;
  const parts = [
    r.rssBytes !== null ? `RAM ${gbText(r.rssBytes)}` : null,
    r.cpuPct !== null ? `CPU ${Math.round(r.cpuPct)} %` : null,
    r.gpuMemBytes !== null && r.gpuMemBytes > 0 ? `GPU ${gbText(r.gpuMemBytes)}` : null,
  ].filter(Boolean);
  return parts.join(' · ');
}

export interface HostGroup {
  name: string;
  host: HostSnapshot | null;
  workers: WorkerSnapshot[];
}

/**
 * Workers under their host: hosts with a problem first (the worst worker's status, then a warning),
 * each host's workers problems first, else in the config's order.
 */
export function groupByHost(workers: readonly WorkerSnapshot[], hosts: readonly HostSnapshot[]): HostGroup[] {
  const groups = new Map<string, HostGroup>();
  for (const w of workers) {
    let g = groups.get(w.host);
    if (!g) {
      g = { name: w.host, host: hosts.find((h) => h.name === w.host) ?? null, workers: [] };
      groups.set(w.host, g);
    }
    g.workers.push(w);
  }
  const worst = (g: HostGroup) => Math.min(...g.workers.map((w) => STATUS_SEVERITY[w.status]));
  const warned = (g: HostGroup) => (g.host && g.host.warnings.length > 0 ? 0 : 1);
  for (const g of groups.values())
    g.workers.sort((a, b) => STATUS_SEVERITY[a.status] - STATUS_SEVERITY[b.status]);
  return [...groups.values()].sort((a, b) => worst(a) - worst(b) || warned(a) - warned(b));
}

/** The first words of a warning ("memory nearly exhausted"), the rest in its detail. */
export function warningHeadline(text: string): { headline: string; rest: string } {
  const i = text.indexOf(': ');
  return i > 0 && i < 60
    ? { headline: text.slice(0, i), rest: text.slice(i + 2) }
    : { headline: text, rest: '' };
}
