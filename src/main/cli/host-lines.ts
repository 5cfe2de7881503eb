// `vigil status`'s line per host: connection, memory, swap, disks and GPUs at a glance, then its
// warnings, the post-mortem of a silence, or what happened while it was silent.

import { formatAge, formatGigabytes as gb } from '../../shared/human';
import type { FleetSnapshot, HostSnapshot } from '../../shared/model';

const pct = (v: number) => `${Math.round(v)} %`;

function vitalsParts(h: HostSnapshot): string[] {
  const v = h.vitals;
  if (!v) return [h.vitalsNote ?? 'vitals not read yet'];
  const parts: string[] = [];
  if (v.memAvailableBytes !== null && v.memTotalBytes !== null)
    parts.push(`RAM ${gb(v.memAvailableBytes)} free of ${gb(v.memTotalBytes)}`);
  if (v.swapTotalBytes === 0) parts.push('no swap');
  else if (v.swapTotalBytes !== null && v.swapFreeBytes !== null)
    parts.push(`swap ${gb(v.swapFreeBytes)} free of ${gb(v.swapTotalBytes)}`);
  if (v.load1 !== null && v.cpus !== null) parts.push(`load ${v.load1.toFixed(1)}/${v.cpus}`);
  for (const d of h.disks) {
    if (d.freeBytes !== null) parts.push(`disk ${d.path} ${gb(d.freeBytes)} free`);
  }
  for (const g of h.gpus) {
    const mem =
      g.memUsedBytes !== null && g.memTotalBytes !== null
        ? ` ${gb(g.memUsedBytes)}/${gb(g.memTotalBytes)}`
        : '';
    parts.push(`GPU${g.index} ${g.utilPct === null ? '?' : pct(g.utilPct)}${mem}`);
  }
  if (h.gpuNote) parts.push(h.gpuNote);
  return parts;
}

export function renderHostLines(snap: FleetSnapshot, now = Date.parse(snap.generatedAt)): string[] {
  const out: string[] = [];
  for (const h of snap.hosts ?? []) {
    const old =
      h.connection !== 'ok' && h.vitalsAt !== null
        ? ` (as of ${formatAge(now - Date.parse(h.vitalsAt))})`
        : '';
    out.push(`HOST ${h.name}: ${h.connection} · ${vitalsParts(h).join(' · ')}${old}`);
    if (h.silence) out.push(`  ${h.silence}`);
    if (h.returned) out.push(`  ${h.returned.text}`);
    for (const w of h.warnings) out.push(`  ⚠ ${w.text}`);
  }
  return out;
}
