// A worker's outlook for its snapshot: throughput, when it should finish, whether it slowed down. The
// decisions are judge/forecast.ts and judge/slowdown.ts; this puts them together with the health status.

import type { WorkerSnapshot, WorkerStatus } from '../../../shared/model';
import {
  etaAt,
  type Forecast,
  forecast,
  initialSlowdownState,
  ownPace,
  type ProgressLog,
  peerPace,
  recentRate,
  type SlowdownState,
  slowdownText,
  stepSlowdown,
  type WorkerFacts,
  worstPace,
} from '../judge';

export interface OutlookInput {
  log: ProgressLog;
  facts: WorkerFacts;
  status: WorkerStatus;
  host: string;
  configEpochs: number | null;
  fileSteps: number | null;
  peerRates: readonly number[];
  slowdown: SlowdownState | null;
  now: number;
}

export interface Outlook {
  fields: Pick<WorkerSnapshot, 'etaAt' | 'stepsPerSecond' | 'secondsPerEpoch' | 'slowdown'>;
  forecast: Forecast;
  /** Its pace now (steps, or records, per second), for its peers' comparison; null unknown. */
  rateNow: number | null;
  slowdownState: SlowdownState;
}

/**
 * At most this often a worker's forecast and paces are worked out again from a log that only grew. They
 * are medians over up to KEEP_MAX points: ~0.25 ms at 135 points, ~0.7 ms once the log is full, and a
 * worker writing every second was worked out at every record (200 such workers: 5 % of a core, 14 % once
 * their logs filled). An ETA hours away and a pace judged over minutes do not move in 15 s.
 */
export const PACE_REFRESH_MS = 15_000;

type Paces = { f: Forecast; recent: number | null; own: ReturnType<typeof ownPace> };

/**
 * What outlook() derives from the progress log alone (the forecast, the recent rate, the own pace). Kept
 * by the worker: worked out again at once when the log starts over, the totals change or nothing was
 * known yet; when the log only grew, once PACE_REFRESH_MS have passed.
 */
export class PaceMemo {
  private key: unknown[] = [];
  private version = -1;
  private at = 0;
  private value: Paces | null = null;

  of(i: OutlookInput): Paces {
    const key = [
      i.log,
      i.log.generation,
      i.facts.epochBase,
      i.configEpochs,
      i.facts.totalEpochs,
      i.fileSteps,
    ];
    const v = this.value;
    if (v && key.every((k, n) => k === this.key[n])) {
      if (i.log.version === this.version) return v;
      const known = v.f.stepsPerSecond !== null || v.f.secondsPerEpoch !== null || v.recent !== null;
      if (known && Math.abs(i.now - this.at) < PACE_REFRESH_MS) return v;
    }
    this.key = key;
    this.version = i.log.version;
    this.at = i.now;
    this.value = {
      f: forecast({
        points: i.log.points,
        epochStarts: i.log.epochStarts,
        fractionalEpochs: i.log.fractional,
        epochBase: i.facts.epochBase,
        configEpochs: i.configEpochs,
        fileEpochs: i.configEpochs === null ? i.facts.totalEpochs : null,
        fileSteps: i.fileSteps,
      }),
      recent: recentRate(i.log.points),
      own: ownPace(i.log.points),
    };
    return this.value;
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function outlook(i: OutlookInput, memo: PaceMemo = new PaceMemo()): Outlook {
  const { f, recent, own } = memo.of(i);
  const running = i.status === 'running';
  // A late run is still running (only quieter than usual): its pace is shown, its ETA is not promised.
  const paced = running || i.status === 'late';
  const rateNow = paced ? recent : null;
  const pace = worstPace(own, peerPace(rateNow, i.peerRates));
  const state = stepSlowdown(i.slowdown ?? initialSlowdownState, pace, paced, i.now);
  return {
    fields: {
      etaAt: iso(etaAt(f, running, i.facts.lastProgressAt, i.now)),
      stepsPerSecond: paced ? f.stepsPerSecond : null,
      secondsPerEpoch: paced ? f.secondsPerEpoch : null,
      slowdown:
        state.open === null
          ? null
          : {
              factor: state.open.factor,
              since: new Date(state.since ?? i.now).toISOString(),
              text: slowdownText(state.open, i.host),
            },
    },
    forecast: f,
    rateNow,
    slowdownState: state,
  };
}
