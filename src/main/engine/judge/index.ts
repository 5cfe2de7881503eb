// Every decision, as pure functions: a worker's health, its pace, alert episodes and their grouping.

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
export { epochLabel, evaluateHealth, type Health, type WorkerFacts } from './health';
export { PaceTracker, thresholds } from './pace';
