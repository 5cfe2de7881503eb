// When a host goes silent, what its last vitals say about why, ranked; when it answers again, what
// happened meanwhile. Pure functions of the readings kept before and after the silence.

import { formatDuration } from '../../../shared/human';
import { availableFraction, gbOf, pct, type VitalsSample } from './vitals-sample';

export interface Cause {
  /** "memory exhaustion" */
  name: string;
  /** 0..1, how strongly the last readings point at it. */
  score: number;
  /** What in the readings says so: "0.3 of 61 GB free, no swap, memory pressure 64 %". */
  evidence: string;
  /** How it silences a host: "thrashing, or the OOM killer took sshd". */
  how: string;
}

const clamp = (v: number) => Math.max(0, Math.min(1, v));

/** The causes the last readings point at, most likely first (those with no evidence left out). */
export function rankCauses(last: VitalsSample, recent: readonly VitalsSample[] = []): Cause[] {
  const v = last.vitals;
  const causes: Cause[] = [];
  const frac = availableFraction(v);
  const full = v.pressure.memoryFull10;
  const some = v.pressure.memorySome10;
  const noSwap = v.swapTotalBytes === 0;
  const swapGone = !!v.swapTotalBytes && v.swapFreeBytes !== null && v.swapFreeBytes / v.swapTotalBytes < 0.1;
  // Memory falling fast in the last minutes counts as much as memory already low.
  const earlier = recent.find((s) => last.t - s.t <= 5 * 60_000 && availableFraction(s.vitals) !== null);
  const fall = earlier && frac !== null ? availableFraction(earlier.vitals)! - frac : 0;
  const memScore = clamp(
    (frac === null ? 0 : frac < 0.02 ? 0.9 : frac < 0.05 ? 0.7 : frac < 0.1 ? 0.35 : 0) +
      (full === null ? 0 : full > 30 ? 0.5 : full > 10 ? 0.3 : 0) +
      (fall > 0.2 ? 0.2 : 0) -
      (noSwap || swapGone ? 0 : 0.2),
  );
  if (memScore > 0) {
    const parts = [
      frac !== null ? `${gbOf(v.memAvailableBytes!, v.memTotalBytes!)} free` : null,
      noSwap ? 'no swap' : swapGone ? 'swap full' : null,
      full !== null && full > 1 ? `memory pressure ${pct(full)}` : null,
      fall > 0.2 ? `down ${pct(fall * 100)} of RAM in ${formatDuration(last.t - earlier!.t)}` : null,
    ].filter(Boolean);
    causes.push({
      name: 'memory exhaustion',
      score: memScore,
      evidence: parts.join(', '),
      how: 'thrashing, or the OOM killer took sshd',
    });
  }
  if (v.swapTotalBytes && some !== null && some > 20 && !swapGone) {
    causes.push({
      name: 'swap thrashing',
      score: clamp(some / 80),
      evidence: `memory pressure ${pct(some)} with swap in use`,
      how: 'the host crawls on swap',
    });
  }
  const cpu = v.pressure.cpuSome10;
  const perCpu = v.load1 !== null && v.cpus ? v.load1 / v.cpus : null;
  if ((perCpu !== null && perCpu > 2) || (cpu !== null && cpu > 80)) {
    causes.push({
      name: 'CPU saturation',
      score: clamp(Math.max(perCpu === null ? 0 : (perCpu - 1) / 6, cpu === null ? 0 : (cpu - 50) / 60)),
      evidence: [
        perCpu !== null ? `load ${v.load1!.toFixed(1)} on ${v.cpus} CPUs` : null,
        cpu !== null ? `CPU pressure ${pct(cpu)}` : null,
      ]
        .filter(Boolean)
        .join(', '),
      how: 'data-loader workers starve sshd of CPU',
    });
  }
  const io = v.pressure.ioFull10;
  if (io !== null && io > 30) {
    causes.push({
      name: 'an I/O stall',
      score: clamp(io / 100),
      evidence: `I/O pressure ${pct(io)}`,
      how: 'a saturated or failing disk, or a hung network file system',
    });
  }
  if (last.gpuHung) {
    causes.push({
      name: 'a wedged GPU driver',
      score: 0.6,
      evidence: last.gpuNote ?? 'nvidia-smi did not answer',
      how: 'a stuck driver can hang the kernel',
    });
  }
  const fullDisk = last.disks.find(
    (d) => d.freeBytes !== null && d.totalBytes && d.freeBytes / d.totalBytes < 0.01,
  );
  if (fullDisk) {
    causes.push({
      name: 'a full disk',
      score: 0.3,
      evidence: `${fullDisk.path} full`,
      how: 'logins and writes fail',
    });
  }
  return causes.sort((a, b) => b.score - a.score);
}

export interface SilenceFacts {
  /** When the host went silent (its last answer, or when the connection was lost). */
  silentSince: number;
  /** Local time of its last answer, null if never. */
  lastAnswerAt: number | null;
  /** Local time of day ("19:52"), and with seconds ("19:51:58"). */
  clock: (t: number, seconds?: boolean) => string;
}

/**
 * "silent since 19:52 · last answer 19:51:58: 0.3 of 61 GB free, no swap, memory pressure 64 % →
 * memory exhaustion is the likely cause (thrashing, or the OOM killer took sshd)".
 */
export function diagnoseSilence(
  last: VitalsSample | null,
  recent: readonly VitalsSample[],
  facts: SilenceFacts,
): string {
  const head = `silent since ${facts.clock(facts.silentSince)}`;
  const answer =
    facts.lastAnswerAt === null ? 'never answered' : `last answer ${facts.clock(facts.lastAnswerAt, true)}`;
  if (last === null) return `${head} · ${answer}; no vitals were read before, so the cause is unknown`;
  const when =
    facts.lastAnswerAt !== null && facts.lastAnswerAt - last.t > 60_000
      ? ` (vitals of ${facts.clock(last.t, true)})`
      : '';
  const [first, second] = rankCauses(last, recent);
  if (!first) {
    return (
      `${head} · ${answer}${when}: no sign of trouble in its last vitals → a network problem, or the ` +
      'instance was stopped or rebooted, is the likely cause'
    );
  }
  const then = second && second.score >= 0.3 ? `; then ${second.name} (${second.evidence})` : '';
  return `${head} · ${answer}${when}: ${first.evidence} → ${first.name} is the likely cause (${first.how})${then}`;
}

export interface ReturnFacts {
  silentSince: number;
  backAt: number;
  /** Records read per worker since the host answered again (what the mirror back-filled). */
  backfilled: Record<string, number>;
  /** Workers whose process is gone now. */
  processGone: string[];
  /** Where each worker's run is now ("epoch 105/200"), once what was waiting has been read. */
  where?: Record<string, string | null>;
  clock: (t: number, seconds?: boolean) => string;
}

/**
 * One summary of a silence, once the host answers: "back after 14 min of silence (19:52–20:06): it
 * rebooted (boot id changed), so every run's process is gone; records back-filled: i3d 1,204".
 */
export function summarizeReturn(
  before: VitalsSample | null,
  after: VitalsSample | null,
  facts: ReturnFacts,
): string {
  const parts: string[] = [];
  const rebooted = before?.bootId && after?.bootId && before.bootId !== after.bootId;
  if (rebooted) {
    const up = after!.vitals.uptimeSeconds;
    parts.push(
      `it rebooted (boot id changed${up !== null ? `, up ${formatDuration(up * 1000)}` : ''}), so every run's process is gone`,
    );
  } else if (before && after && before.vitals.oomKills !== null && after.vitals.oomKills !== null) {
    const kills = after.vitals.oomKills - before.vitals.oomKills;
    if (kills > 0) parts.push(`${kills} process${kills === 1 ? '' : 'es'} killed by the OOM killer`);
  }
  if (!rebooted && facts.processGone.length > 0) {
    parts.push(`${facts.processGone.join(', ')}: process gone`);
  }
  const filled = Object.entries(facts.backfilled).filter(([, n]) => n > 0);
  if (filled.length > 0)
    parts.push(
      `records back-filled: ${filled
        .map(([w, n]) => {
          const now = facts.where?.[w];
          return `${w} ${n.toLocaleString('en-US')}${now ? ` (now ${now})` : ''}`;
        })
        .join(', ')}`,
    );
  if (parts.length === 0) parts.push('nothing else changed');
  const span = `${facts.clock(facts.silentSince)}–${facts.clock(facts.backAt)}`;
  return `back after ${formatDuration(facts.backAt - facts.silentSince)} of silence (${span}): ${parts.join('; ')}`;
}
