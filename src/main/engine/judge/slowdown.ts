// A run that goes on, only slower: its pace now against its own pace of the hour before, or against the
// workers beside it (same host, same steps per epoch). A warning beside the status, never a status: a
// slow run is still running, and a stalled one is the health model's business.

import { activeRate, type ProgressPoint } from './forecast';

/** "Now": the newest quarter of an hour; compared with the hour before it. */
export const RECENT_MS = 15 * 60_000;
export const PREVIOUS_MS = 3600_000;
/** Below half the pace opens an episode; it closes once back above two thirds (no flapping at 2×). */
export const SLOW_ENTER = 2;
export const SLOW_LEAVE = 1.5;
const MIN_POINTS = 3;
/** The hour before must hold this much history: a run's first minutes are no reference. */
const MIN_PREVIOUS_SPAN_MS = 15 * 60_000;

export interface PaceJudgement {
  /** How many times slower than the reference (2.3 = 2.3× slower). */
  factor: number;
  against: 'own' | 'peers';
  /** Progress units (steps, or records without steps) per second now and in the reference. */
  rateNow: number;
  rateBefore: number;
}

const measure = (p: ProgressPoint) => p.step ?? p.n;

/** Pace over the newest RECENT_MS; null without enough points. */
export function recentRate(points: readonly ProgressPoint[]): number | null {
  const last = points.at(-1);
  if (!last) return null;
  const recent = points.filter((p) => p.t >= last.t - RECENT_MS);
  return recent.length < MIN_POINTS ? null : activeRate(recent, measure);
}

/** Its pace now against its own pace in the hour before. */
export function ownPace(points: readonly ProgressPoint[]): PaceJudgement | null {
  const last = points.at(-1);
  if (!last) return null;
  const from = last.t - RECENT_MS;
  const before = points.filter((p) => p.t <= from && p.t >= from - PREVIOUS_MS);
  const rateNow = recentRate(points);
  if (rateNow === null || before.length < MIN_POINTS) return null;
  if (before.at(-1)!.t - before[0]!.t < MIN_PREVIOUS_SPAN_MS) return null;
  const rateBefore = activeRate(before, measure);
  if (rateBefore === null) return null;
  return { factor: rateBefore / rateNow, against: 'own', rateNow, rateBefore };
}

/** Its pace against the median of its peers' (same host, same steps per epoch); null without peers. */
export function peerPace(rateNow: number | null, peers: readonly number[]): PaceJudgement | null {
  if (rateNow === null || peers.length === 0) return null;
  const s = [...peers].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { factor: median / rateNow, against: 'peers', rateNow, rateBefore: median };
}

/** The stronger of the two judgements (the one that says slower). */
export function worstPace(...js: (PaceJudgement | null)[]): PaceJudgement | null {
  let worst: PaceJudgement | null = null;
  for (const j of js) if (j && (worst === null || j.factor > worst.factor)) worst = j;
  return worst;
}

export interface SlowdownState {
  /** The open episode's current judgement, null when none is open. */
  open: PaceJudgement | null;
  since: number | null;
  /** Episodes opened so far: a new number is one notification. */
  episodes: number;
}

export const initialSlowdownState: SlowdownState = { open: null, since: null, episodes: 0 };

/**
 * One step of the episode: opens at SLOW_ENTER, closes below SLOW_LEAVE or when the run is not running
 * (a stall or a failure speaks for itself). An unknown pace keeps the state: a sparse quarter of an hour
 * neither raises nor clears the warning.
 */
export function stepSlowdown(
  prev: SlowdownState,
  pace: PaceJudgement | null,
  running: boolean,
  now: number,
): SlowdownState {
  if (!running) return prev.open === null ? prev : { ...prev, open: null, since: null };
  if (pace === null) return prev;
  if (prev.open === null) {
    if (pace.factor < SLOW_ENTER) return prev;
    return { open: pace, since: now, episodes: prev.episodes + 1 };
  }
  if (pace.factor < SLOW_LEAVE) return { ...prev, open: null, since: null };
  return { ...prev, open: pace };
}

/** "2.3× slower than in the last hour", "2.3× slower than the other workers on gpu-1". */
export function slowdownText(j: PaceJudgement, host: string): string {
  const factor = j.factor >= 10 ? Math.round(j.factor) : Number(j.factor.toFixed(1));
  return j.against === 'own'
    ? `${factor}× slower than in the last hour`
    : `${factor}× slower than the other workers on ${host}`;
}
