// Every decision, as pure functions: a worker's health, its pace, alert episodes and their grouping, a
// host's warnings before trouble and the post-mortem of its silences.

export { groupAlerts } from './alert-groups';
export { type AlertNotice, type AlertState, initialAlertState, stepAlerts } from './alerts';
export {
  DEFAULT_DIVERGE,
  type Divergence,
  type DivergenceFact,
  DivergenceWatch,
  type DivergeSettings,
  judgeDivergence,
  LossWatch,
} from './divergence';
export {
  etaAt,
  type Forecast,
  forecast,
  ProgressLog,
  type ProgressPoint,
} from './forecast';
export { epochLabel, evaluateHealth, type Health, type WorkerFacts } from './health';
export {
  DEFAULT_WARNING_SETTINGS,
  initialWarningState,
  stepWarnings,
  type WarningNotice,
  type WarningSettings,
  type WarningState,
  type WarningWorker,
} from './host-warnings';
export { PaceTracker, thresholds } from './pace';
export { type Cause, diagnoseSilence, rankCauses, summarizeReturn } from './post-mortem';
export {
  initialSlowdownState,
  ownPace,
  type PaceJudgement,
  peerPace,
  recentRate,
  type SlowdownState,
  slowdownText,
  stepSlowdown,
  worstPace,
} from './slowdown';
export { availableFraction, type DiskSample, gb, gbOf, pct, type VitalsSample } from './vitals-sample';
