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

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function outlook(i: OutlookInput): Outlook {
  const f = forecast({
    points: i.log.points,
    epochStarts: i.log.epochStarts,
    fractionalEpochs: i.log.fractional,
    epochBase: i.facts.epochBase,
    configEpochs: i.configEpochs,
    fileEpochs: i.configEpochs === null ? i.facts.totalEpochs : null,
    fileSteps: i.fileSteps,
  });
  const running = i.status === 'running';
  // A late run is still running (only quieter than usual): its pace is shown, its ETA is not promised.
  const paced = running || i.status === 'late';
  const rateNow = paced ? recentRate(i.log.points) : null;
  const pace = worstPace(ownPace(i.log.points), peerPace(rateNow, i.peerRates));
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
