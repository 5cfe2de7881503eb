// Warnings before a host freezes, as a pure function of its vitals: memory nearly exhausted, swap
// thrashing, a run's disk nearly full, GPU memory nearly full, a GPU idle while its run "runs", a GPU
// hot or throttled, nvidia-smi hung, the OOM killer fired. Each warning opens an episode when its
// condition holds and closes only after its looser "all clear" condition has held for a few readings
// (hysteresis), so a value hovering at a threshold does not flap; an episode that closed and opens again
// within the flap window is not announced twice. Every text says what to do.

import { formatDuration } from '../../../shared/human';
import type { HostWarning, HostWarningKind, WorkerStatus } from '../../../shared/model';
import { availableFraction, gb, gbOf, pct, type VitalsSample } from './vitals-sample';

export interface WarningWorker {
  name: string;
  status: WorkerStatus;
}

interface OpenWarning {
  kind: HostWarningKind;
  since: number;
  text: string;
  workers: string[];
  /** Readings in a row for which the all-clear condition held. */
  clearFor: number;
}

export interface WarningState {
  open: Record<string, OpenWarning>;
  /** When each warning's last episode closed (for flap suppression). */
  closedAt: Record<string, number>;
  /** Since when each GPU (by index) has been idle. */
  idleSince: Record<string, number>;
  /** The last rise of the OOM counter: when, the kills of this episode, whose processes vanished. */
  oom: { at: number; kills: number; who: string; workers: string[] } | null;
}

export const initialWarningState: WarningState = { open: {}, closedAt: {}, idleSince: {}, oom: null };

export interface WarningSettings {
  /** An episode reopened within this long of closing is not announced again. */
  flapWindowMs: number;
  /** Readings in a row of all-clear before an episode closes. */
  clearAfter: number;
  /** A GPU idle this long while its run is running is worth a warning. */
  gpuIdleMs: number;
  /** How long an OOM kill stays a warning. */
  oomHoldMs: number;
  /** Local time of day, for texts ("19:52"). */
  clock: (t: number) => string;
}

export const DEFAULT_WARNING_SETTINGS: WarningSettings = {
  flapWindowMs: 10 * 60_000,
  clearAfter: 3,
  gpuIdleMs: 5 * 60_000,
  oomHoldMs: 10 * 60_000,
  clock: (t) => new Date(t).toTimeString().slice(0, 5),
};

export interface WarningInput {
  now: number;
  sample: VitalsSample;
  /** The reading before this one (null at the first of a connection). */
  previous: VitalsSample | null;
  /** Readings of the last quarter hour or so, oldest first (for rates). */
  recent: readonly VitalsSample[];
  workers: readonly WarningWorker[];
}

export interface WarningNotice {
  kind: HostWarningKind;
  text: string;
  workers: string[];
}

/** What a condition says this reading: open when `firing`, stay open while `holding`. */
interface Candidate {
  key: string;
  kind: HostWarningKind;
  firing: boolean;
  holding: boolean;
  text: string;
  workers: string[];
}

const MB = 1e6;
const THROTTLE_WARN = new Set([
  'thermal (software)',
  'thermal (hardware)',
  'hardware slowdown',
  'power brake',
]);

export function stepWarnings(
  prev: WarningState,
  input: WarningInput,
  settings: WarningSettings = DEFAULT_WARNING_SETTINGS,
): { state: WarningState; active: HostWarning[]; notices: WarningNotice[] } {
  const state: WarningState = {
    open: { ...prev.open },
    closedAt: { ...prev.closedAt },
    idleSince: { ...prev.idleSince },
    oom: prev.oom,
  };
  const candidates = [
    memory(input),
    swap(input),
    ...disks(input),
    ...gpus(input, state, settings),
    gpuHung(input),
    oom(input, state, settings),
  ].filter((c): c is Candidate => c !== null);
  const notices: WarningNotice[] = [];
  const now = input.now;
  for (const c of candidates) {
    const open = state.open[c.key];
    if (open) {
      const clearFor = c.holding ? 0 : open.clearFor + 1;
      if (clearFor >= settings.clearAfter) {
        delete state.open[c.key];
        state.closedAt[c.key] = now;
      } else state.open[c.key] = { ...open, text: c.text, workers: c.workers, clearFor };
    } else if (c.firing) {
      state.open[c.key] = { kind: c.kind, since: now, text: c.text, workers: c.workers, clearFor: 0 };
      const closed = state.closedAt[c.key];
      if (closed === undefined || now - closed >= settings.flapWindowMs)
        notices.push({ kind: c.kind, text: c.text, workers: c.workers });
    }
  }
  const active = Object.values(state.open).map((w) => ({
    kind: w.kind,
    since: new Date(w.since).toISOString(),
    text: w.text,
    workers: w.workers,
  }));
  return { state, active, notices };
}

const names = (ws: readonly WarningWorker[]) => ws.map((w) => w.name);

/** "i3d's processes hold 41 GB" for the worker holding the most memory, or ''. */
function biggest(input: WarningInput): string {
  let top: [string, number] | null = null;
  for (const [name, r] of Object.entries(input.sample.workers)) {
    if (r.rssBytes !== null && (top === null || r.rssBytes > top[1])) top = [name, r.rssBytes];
  }
  return top && top[1] > 0 ? ` (${top[0]}'s processes hold ${gb(top[1])})` : '';
}

function swapText(v: VitalsSample['vitals']): string {
  if (v.swapTotalBytes === null) return 'swap unknown';
  if (v.swapTotalBytes === 0) return 'no swap';
  return `swap ${gbOf(v.swapFreeBytes ?? 0, v.swapTotalBytes)} free`;
}

export function memory(input: WarningInput): Candidate | null {
  const v = input.sample.vitals;
  const frac = availableFraction(v);
  const full = v.pressure.memoryFull10;
  if (frac === null && full === null) return null;
  const swapFrac =
    v.swapTotalBytes && v.swapTotalBytes > 0 && v.swapFreeBytes !== null
      ? v.swapFreeBytes / v.swapTotalBytes
      : 0;
  const noRoom = swapFrac < 0.1; // no swap, or swap nearly gone too
  const firing = (frac !== null && frac < 0.05 && noRoom) || (full !== null && full > 10);
  const holding = (frac !== null && frac < 0.08 && noRoom) || (full !== null && full > 5);
  const parts = [
    frac !== null ? `${gbOf(v.memAvailableBytes!, v.memTotalBytes!)} free` : null,
    swapText(v),
    full !== null ? `memory pressure ${pct(full)}` : null,
  ].filter(Boolean);
  return {
    key: 'memory',
    kind: 'memory',
    firing,
    holding,
    text:
      `memory nearly exhausted: ${parts.join(', ')}${biggest(input)} — the OOM killer or a freeze comes next: ` +
      'lower the batch size or the DataLoader workers, or stop a run (`vigil doctor` shows how to add swap)',
    workers: names(input.workers),
  };
}

/** Pages swapped in and out per second since the previous reading, on the same boot. */
function swapRate(input: WarningInput): number | null {
  const a = input.previous;
  const b = input.sample;
  if (!a || a.bootId !== b.bootId || b.t <= a.t) return null;
  if (a.swapIns === null || a.swapOuts === null || b.swapIns === null || b.swapOuts === null) return null;
  return Math.max(0, b.swapIns - a.swapIns + b.swapOuts - a.swapOuts) / ((b.t - a.t) / 1000);
}

export function swap(input: WarningInput): Candidate | null {
  const v = input.sample.vitals;
  if (!v.swapTotalBytes) return null; // no swap: no thrashing (memory() covers it)
  const rate = swapRate(input);
  const some = v.pressure.memorySome10;
  const used = v.swapFreeBytes !== null && v.swapFreeBytes < v.swapTotalBytes;
  if (rate === null && some === null) return null;
  const firing = (rate !== null && rate >= 2500) || (used && some !== null && some > 40);
  const holding = (rate !== null && rate >= 500) || (used && some !== null && some > 20);
  const mbs = rate === null ? null : (rate * 4096) / MB;
  const parts = [
    mbs !== null ? `${mbs.toFixed(mbs < 10 ? 1 : 0)} MB/s in and out of swap` : null,
    some !== null ? `memory pressure ${pct(some)}` : null,
  ].filter(Boolean);
  return {
    key: 'swap',
    kind: 'swap',
    firing,
    holding,
    text: `swap thrashing: ${parts.join(', ')} — the host will crawl, then stop answering: lower the runs' memory use`,
    workers: names(input.workers),
  };
}

/** Memory and disks in binary gigabytes, as `free -g`, `df -h` and EC2's instance sizes count them. */
const GB = 2 ** 30;

/** Seconds until the disk is full at the rate of the last quarter hour, or null when it is not filling. */
function secondsLeft(input: WarningInput, fsid: string, free: number): number | null {
  const since = input.sample.t - 15 * 60_000;
  const first = input.recent.find((s) => s.t >= since && s.disks.some((d) => d.fsid === fsid));
  const then = first?.disks.find((d) => d.fsid === fsid)?.freeBytes;
  if (!first || then === null || then === undefined || input.sample.t - first.t < 30_000) return null;
  const rate = (then - free) / ((input.sample.t - first.t) / 1000);
  return rate > 0 ? free / rate : null;
}

export function disks(input: WarningInput): Candidate[] {
  const out: Candidate[] = [];
  for (const d of input.sample.disks) {
    if (d.freeBytes === null || d.totalBytes === null || d.totalBytes <= 0) continue;
    const frac = d.freeBytes / d.totalBytes;
    const noInodes = d.freeInodes !== null && d.freeInodes < 5000;
    const firing = frac < 0.05 || d.freeBytes < 2 * GB || noInodes;
    const holding = frac < 0.07 || d.freeBytes < 3 * GB || noInodes;
    const left = secondsLeft(input, d.fsid, d.freeBytes);
    const when = left === null ? '' : `, full in about ${formatDuration(left * 1000)} at the current rate`;
    const inodes = noInodes ? `, ${d.freeInodes} inodes left` : '';
    out.push({
      key: `disk:${d.fsid}`,
      kind: 'disk',
      firing,
      holding,
      text:
        `disk nearly full on ${d.path}: ${gb(d.freeBytes)} free of ${gb(d.totalBytes)} (${pct(frac * 100)})${inodes}${when} — ` +
        'a checkpoint save will fail: delete old checkpoints or move them off the host',
      workers: d.workers,
    });
  }
  return out;
}

/** Running workers whose processes use GPU `index` (from nvidia-smi's compute apps). */
function onGpu(input: WarningInput, index: number): WarningWorker[] {
  const of = input.sample.gpusOf ?? {};
  return input.workers.filter((w) => (of[w.name] ?? []).includes(index));
}

export function gpus(input: WarningInput, state: WarningState, settings: WarningSettings): Candidate[] {
  const out: Candidate[] = [];
  for (const g of input.sample.gpus ?? []) {
    const key = String(g.index);
    const users = onGpu(input, g.index);
    if (g.memUsedBytes !== null && g.memTotalBytes) {
      const frac = g.memUsedBytes / g.memTotalBytes;
      out.push({
        key: `gpu-memory:${key}`,
        kind: 'gpu-memory',
        firing: frac > 0.95,
        holding: frac > 0.9,
        text:
          `GPU ${g.index} memory nearly full: ${gbOf(g.memUsedBytes, g.memTotalBytes)} used — the next allocation fails ` +
          'with CUDA out of memory: lower the batch size, or use gradient accumulation',
        workers: names(users),
      });
    }
    const hotThrottle = (g.throttle ?? []).filter((t) => THROTTLE_WARN.has(t));
    if (g.tempC !== null || g.throttle !== null) {
      const temp = g.tempC ?? 0;
      const what = [
        g.tempC !== null ? `${g.tempC} °C` : null,
        hotThrottle.length ? `throttled (${hotThrottle.join(', ')})` : null,
      ].filter(Boolean);
      out.push({
        key: `gpu-hot:${key}`,
        kind: 'gpu-hot',
        firing: temp >= 85 || hotThrottle.length > 0,
        holding: temp >= 80 || hotThrottle.length > 0,
        text: `GPU ${g.index} hot: ${what.join(', ')} — it runs slower and may fail: check the cooling, or lower its power limit (nvidia-smi -pl)`,
        workers: names(users),
      });
    }
    if (g.utilPct === null) continue;
    if (g.utilPct < 5) state.idleSince[key] ??= input.now;
    else delete state.idleSince[key];
    const running = users.filter((w) => w.status === 'running');
    const since = state.idleSince[key];
    const idleFor = since === undefined ? 0 : input.now - since;
    const pid = running.length ? input.sample.pids?.[running[0]!.name]?.[0] : undefined;
    out.push({
      key: `gpu-idle:${key}`,
      kind: 'gpu-idle',
      firing: running.length > 0 && idleFor >= settings.gpuIdleMs,
      holding: running.length > 0 && g.utilPct < 20,
      text:
        `GPU ${g.index} idle (${g.utilPct} % for ${formatDuration(idleFor)}) while ${names(running).join(', ')} ` +
        `${running.length === 1 ? 'is' : 'are'} running: a starved data loader (raise num_workers, check the disk) ` +
        `or a hang (\`py-spy dump --pid ${pid ?? 'PID'}\` on the host shows where it waits)`,
      workers: names(running),
    });
  }
  return out;
}

export function gpuHung(input: WarningInput): Candidate | null {
  const s = input.sample;
  if (s.gpus === null && !s.gpuHung && s.gpuNote === null) return null;
  return {
    key: 'gpu-hung',
    kind: 'gpu-hung',
    firing: s.gpuHung,
    holding: s.gpuHung,
    text: `${s.gpuNote ?? 'nvidia-smi did not answer'} — \`sudo dmesg | grep -i xid\` on the host shows GPU errors; a reboot usually clears a wedged driver`,
    workers: names(input.workers),
  };
}

/** Workers whose processes vanished between the two readings: the OOM killer's likely victims. */
function vanished(input: WarningInput): string[] {
  const before = input.previous?.pids ?? {};
  const now = input.sample.pids ?? {};
  const out: string[] = [];
  for (const w of input.workers) {
    const was = before[w.name] ?? [];
    const is = new Set(now[w.name] ?? []);
    const gone = was.filter((p) => !is.has(p));
    if (gone.length === 0) continue;
    out.push(
      gone[0] === was[0]
        ? `${w.name}'s process ${gone[0]} is gone`
        : `${w.name} lost ${gone.length === 1 ? `its process ${gone[0]}` : `${gone.length} of its processes (${gone.slice(0, 3).join(', ')}…)`}`,
    );
  }
  return out;
}

export function oom(input: WarningInput, state: WarningState, settings: WarningSettings): Candidate | null {
  const a = input.previous;
  const b = input.sample;
  const rose =
    a !== null &&
    a.bootId === b.bootId &&
    a.vitals.oomKills !== null &&
    b.vitals.oomKills !== null &&
    b.vitals.oomKills > a.vitals.oomKills;
  if (rose) {
    const victims = vanished(input);
    const hit = input.workers.filter((w) => victims.some((v) => v.startsWith(w.name)));
    const continuing = state.open.oom !== undefined && state.oom !== null;
    state.oom = {
      at: input.now,
      kills: (continuing ? state.oom!.kills : 0) + b.vitals.oomKills! - a.vitals.oomKills!,
      who: victims.length
        ? victims.join('; ')
        : "no worker's process is among them (another program, or sshd)",
      workers: hit.length ? names(hit) : names(input.workers),
    };
  }
  const o = state.oom;
  if (o === null) return null;
  return {
    key: 'oom',
    kind: 'oom',
    firing: rose,
    holding: input.now - o.at < settings.oomHoldMs,
    text:
      `the OOM killer fired (${o.kills} process${o.kills === 1 ? '' : 'es'} killed, the last at ${settings.clock(o.at)}): ` +
      `${o.who} — memory ran out: lower the batch size or the DataLoader workers ` +
      '(`journalctl -k | grep -i oom` on the host names what was killed)',
    workers: o.workers,
  };
}
