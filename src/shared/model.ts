// The data model shared by the engine, every shell and the renderer: the statuses, a parsed record,
// and the snapshot types (derived from their runtime schemas in schemas.ts).

import type { z } from 'zod';
import type {
  fleetSnapshotSchema,
  hostDiskSchema,
  hostGpuSchema,
  hostSnapshotSchema,
  hostVitalsSchema,
  hostWarningSchema,
  relayTargetStateSchema,
  syncRuleStateSchema,
  workerResourcesSchema,
  workerSnapshotSchema,
} from './schemas';

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
  /** Values the parser left out: names past the most a record may carry (a line of 50,000 keys). */
  droppedMetrics?: number;
}

/** Every status a worker can be in (see ARCHITECTURE.md, Health). */
export const WORKER_STATUSES = [
  'running',
  'late',
  'stalled',
  'unreachable',
  'finished',
  'failed',
  'diverged',
  'unknown',
  'error',
] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export const CONNECTION_STATES = [
  'unknown',
  'ok',
  'degraded',
  'unreachable',
  'auth-failed',
  'host-key-mismatch',
  'host-key-unknown',
  'config-error',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const PROCESS_STATES = ['running', 'exited', 'unknown', 'not-configured'] as const;
export type ProcessState = (typeof PROCESS_STATES)[number];

// The wire types are derived from their schemas (schemas.ts), so the two cannot drift apart.
/** One sync rule as the snapshot and `vigil status --json` show it. */
export type SyncRuleState = z.infer<typeof syncRuleStateSchema>;
/** What every shell shows for one worker. Times are ISO strings; missing values are null. */
export type WorkerSnapshot = z.infer<typeof workerSnapshotSchema>;
export type FleetSnapshot = z.infer<typeof fleetSnapshotSchema>;
/** One relay target's delivery state (`alerts.notify`). */
export type RelayTargetState = z.infer<typeof relayTargetStateSchema>;
/** A worker's process tree on its host: RSS, CPU, GPU memory (null where unknown). */
export type WorkerResources = z.infer<typeof workerResourcesSchema>;
export type HostSnapshot = z.infer<typeof hostSnapshotSchema>;
export type HostVitals = z.infer<typeof hostVitalsSchema>;
export type HostDisk = z.infer<typeof hostDiskSchema>;
export type HostGpu = z.infer<typeof hostGpuSchema>;
export type HostWarning = z.infer<typeof hostWarningSchema>;
export type HostWarningKind = HostWarning['kind'];

/** Statuses that open an alert episode: the problem statuses. */
export const ALARM_STATUSES: readonly WorkerStatus[] = [
  'stalled',
  'unreachable',
  'diverged',
  'failed',
  'error',
];

/**
 * Health severity order, worst first: the list sorts problems first with this. A diverged loss (NaN, or
 * far above its best) is worse than a silent host: the run is known to be wasting its GPU.
 */
export const STATUS_SEVERITY: Record<WorkerStatus, number> = {
  error: 0,
  failed: 1,
  diverged: 2,
  unreachable: 3,
  stalled: 4,
  late: 5,
  unknown: 6,
  running: 7,
  finished: 8,
};
