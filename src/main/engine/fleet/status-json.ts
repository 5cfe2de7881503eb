// `vigil status --json` exactly as README.md (Command line) documents it: missing values null,
// non-finite numbers as the strings "NaN", "Infinity", "-Infinity". Each host with its vitals, disks,
// GPUs and warnings, and each worker with its processes' resources (null where unknown: vitals off,
// not Linux, not found).

import { encodeNumber, workerValuesJson } from '../../../shared/json-numbers';
import type { FleetSnapshot, HostSnapshot } from '../../../shared/model';

function hostJson(h: HostSnapshot): unknown {
  return {
    name: h.name,
    connection: h.connection,
    lastContactAt: h.lastContactAt,
    bootId: h.bootId,
    vitalsAt: h.vitalsAt,
    vitals: h.vitals,
    vitalsNote: h.vitalsNote,
    disks: h.disks,
    gpus: h.gpus,
    gpuNote: h.gpuNote,
    warnings: h.warnings.map((w) => ({ kind: w.kind, since: w.since, text: w.text, workers: w.workers })),
    silence: h.silence,
    returned: h.returned,
  };
}

export function statusJson(snap: FleetSnapshot): unknown {
  const out: Record<string, unknown> = {
    generatedAt: snap.generatedAt,
    hosts: (snap.hosts ?? []).map(hostJson),
    workers: snap.workers.map((w) => ({
      ...workerValuesJson(w),
      records: w.records,
      mirror: w.mirror,
      sync: w.sync.map((r) => ({ to: r.to, lastSyncAt: r.lastSyncAt, result: r.result })),
      resources: {
        rssBytes: w.resources?.rssBytes ?? null,
        cpuPct: w.resources?.cpuPct ?? null,
        gpuMemBytes: w.resources?.gpuMemBytes ?? null,
      },
      etaAt: w.etaAt ?? null,
      stepsPerSecond: encodeNumber(w.stepsPerSecond ?? null),
      secondsPerEpoch: encodeNumber(w.secondsPerEpoch ?? null),
      slowdown: w.slowdown
        ? { factor: w.slowdown.factor, since: w.slowdown.since, text: w.slowdown.text }
        : null,
    })),
  };
  // Where alerts are relayed (alerts.notify) and whether they get through: only when targets are
  // configured, so the object stays as README.md documents it for everyone else.
  if (snap.relay && snap.relay.length > 0)
    out.relay = snap.relay.map((t) => ({
      target: t.label,
      state: t.state,
      error: t.error,
      failingSince: t.failingSince,
      lastSentAt: t.lastSentAt,
      pending: t.pending,
      dropped: t.dropped,
    }));
  return out;
}
