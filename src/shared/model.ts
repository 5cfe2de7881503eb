// The data model shared by the engine, every shell and the renderer. Plain types, no runtime deps.

/** One progress record read from a training file: what the file said at one point of the run. */
export interface MetricRecord {
  /** Epoch as the file writes it (may be fractional, may be 0-based). */
  epoch: number | null;
  /** Step / iteration as the file writes it. */
  step: number | null;
  /** Wall-clock time in ms since the Unix epoch when the file carries one, else null. */
  time: number | null;
  /** Named numeric values. NaN and ±Infinity are kept: a NaN loss is the most important number. */
  metrics: Record<string, number>;
  /** Set on the first record after the run restarted into the same file (the step went back). */
  restart?: true;
}

export type WorkerStatus =
  | 'running'
  | 'late'
  | 'stalled'
  | 'unreachable'
  | 'finished'
  | 'failed'
  | 'unknown'
  | 'error';

export type ConnectionState =
  | 'unknown'
  | 'ok'
  | 'degraded'
  | 'unreachable'
  | 'auth-failed'
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'config-error';

export type ProcessState = 'running' | 'exited' | 'unknown' | 'not-configured';

/** One sync rule as the snapshot and `vigil status --json` show it. */
export interface SyncRuleState {
  /** Local destination folder. */
  to: string;
  /** When the last run ended, null before the first. */
  lastSyncAt: string | null;
  /** "ok", "warning: …", or why it failed; null before the first run. */
  result: string | null;
  /** Bytes moved by the last run. */
  bytes: number;
  /** A transfer is queued or running now. */
  state: 'idle' | 'queued' | 'running';
}

/** What every shell shows for one worker. Times are ISO strings; missing values are null. */
export interface WorkerSnapshot {
  name: string;
  host: string;
  status: WorkerStatus;
  reason: string;
  epoch: number | null;
  totalEpochs: number | null;
  step: number | null;
  loss: number | null;
  lossMetric: string | null;
  metrics: Record<string, number>;
  records: number;
  lastProgressAt: string | null;
  lastContactAt: string | null;
  /** Local path of the mirrored metrics file. */
  mirror: string | null;
  connection: ConnectionState;
  process: ProcessState;
  format: string | null;
  /** Last lines of the worker's log, newest last. */
  logTail: string[];
  /** The worker's sync rules (results mirrored home by rsync). */
  sync: SyncRuleState[];
}

export interface FleetSnapshot {
  generatedAt: string;
  workers: WorkerSnapshot[];
  /** Set when the configuration itself could not be loaded. */
  configError: string | null;
}

/** Statuses that open an alert episode. */
export const ALARM_STATUSES: readonly WorkerStatus[] = ['stalled', 'unreachable', 'failed', 'error'];

/** Health severity order, worst first: the list sorts problems first with this. */
export const STATUS_SEVERITY: Record<WorkerStatus, number> = {
  error: 0,
  failed: 1,
  unreachable: 2,
  stalled: 3,
  late: 4,
  unknown: 5,
  running: 6,
  finished: 7,
};
