// The typed contract between the engine (through any shell) and every UI: commands are requests that
// answer with a promise, events are pushed. Each map is the single source of truth for one side of the
// wire; transports, the client, the server dispatcher derive from them, and schemas.ts must match them
// (checked at compile time). The data types themselves are inferred from the schemas.

import type { z } from 'zod';
import type { FleetSnapshot } from './model';
import type {
  alertEventSchema,
  alertKindSchema,
  metricSeriesSchema,
  nonFiniteStretchSchema,
  progressEventSchema,
  resourceHistorySchema,
  seriesOptionsSchema,
  seriesPointSchema,
  seriesResultSchema,
  syncPhaseSchema,
  xAxisSchema,
} from './schemas';

// The data types on the wire are derived from their schemas (schemas.ts), so the two cannot drift apart.
/** Which value a chart puts on its x axis. */
export type XAxis = z.infer<typeof xAxisSchema>;
export type SeriesOptions = z.infer<typeof seriesOptionsSchema>;
/** One downsampled point; `y` null marks a gap, `min`/`max` the envelope of the raw values. */
export type SeriesPoint = z.infer<typeof seriesPointSchema>;
export type MetricSeries = z.infer<typeof metricSeriesSchema>;
/** Where a metric's values are NaN or ±Infinity: the chart marks the stretch. */
export type NonFiniteStretch = z.infer<typeof nonFiniteStretchSchema>;
export type SeriesResult = z.infer<typeof seriesResultSchema>;
/** A worker's RSS, CPU and GPU memory over the last stretch of time, for the detail's chart. */
export type ResourceHistory = z.infer<typeof resourceHistorySchema>;

/** The request side of the contract: `name(args) → result`. Every call is async on the wire. */
export interface Commands {
  getSnapshot(): FleetSnapshot;
  getSeries(worker: string, metrics: string[], options: SeriesOptions): SeriesResult;
  /** `worker` null snoozes every worker's alerts. */
  snooze(worker: string | null, durationMs: number): void;
  /**
   * `worker` null syncs every worker. Answers as soon as the runs are queued; how they go (and end)
   * comes as `progress` events.
   */
  syncNow(worker: string | null): void;
  /** Reveals the worker's local mirror in the system file manager. */
  openMirror(worker: string): void;
  reloadConfig(): void;
  /** The worker's resources over the last `sinceMs` (the detail's last-hour chart). */
  getResources(worker: string, sinceMs: number): ResourceHistory;
}

export type AlertKind = z.infer<typeof alertKindSchema>;
export type AlertEvent = z.infer<typeof alertEventSchema>;
/** A sync transfer's progress. */
export type ProgressEvent = z.infer<typeof progressEventSchema>;
export type SyncPhase = z.infer<typeof syncPhaseSchema>;

/** The push side of the contract: `event name → payload`. */
export interface Events {
  snapshot: FleetSnapshot;
  alert: AlertEvent;
  progress: ProgressEvent;
  /** The shell asks the UI to show one worker's detail (a notification was clicked). */
  focusWorker: { worker: string };
}

export type CommandName = keyof Commands;
export type EventName = keyof Events;
export type CommandArgs<K extends CommandName> = Parameters<Commands[K]>;
export type CommandResult<K extends CommandName> = ReturnType<Commands[K]>;

export const COMMAND_NAMES = [
  'getSnapshot',
  'getSeries',
  'snooze',
  'syncNow',
  'openMirror',
  'reloadConfig',
  'getResources',
] as const satisfies readonly CommandName[];
export const EVENT_NAMES = [
  'snapshot',
  'alert',
  'progress',
  'focusWorker',
] as const satisfies readonly EventName[];

/**
 * How long a client waits for each command's answer. Each answers at once or nearly (syncNow only
 * queues; its transfer reports through `progress`); a config reload re-resolves every host (`ssh -G`,
 * 5 s each at worst) and replays the mirrors, so it gets longer.
 */
export const COMMAND_TIMEOUT_MS: Readonly<Record<CommandName, number>> = {
  getSnapshot: 15_000,
  getSeries: 20_000,
  getResources: 20_000,
  snooze: 10_000,
  syncNow: 10_000,
  openMirror: 10_000,
  reloadConfig: 120_000,
};

/** What a UI holds: every command as an async call. */
export type ContractCalls = { [K in CommandName]: (...args: CommandArgs<K>) => Promise<CommandResult<K>> };

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;
export type Unsubscribe = () => void;

/**
 * The implementation side, which the engine provides: every command (sync or async) and one
 * subscription to all events. Arguments arrive already validated.
 */
export interface ContractBackend {
  getSnapshot(): FleetSnapshot | Promise<FleetSnapshot>;
  getSeries(worker: string, metrics: string[], options: SeriesOptions): SeriesResult | Promise<SeriesResult>;
  snooze(worker: string | null, durationMs: number): void | Promise<void>;
  syncNow(worker: string | null): void | Promise<void>;
  openMirror(worker: string): void | Promise<void>;
  reloadConfig(): void | Promise<void>;
  getResources(worker: string, sinceMs: number): ResourceHistory | Promise<ResourceHistory>;
  subscribe(listener: EventListener): Unsubscribe;
}

// Compile-time proof that ContractBackend spells out exactly the commands of the contract.
type BackendCommands = Omit<ContractBackend, 'subscribe'>;
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const backendMatchesContract: Exact<keyof BackendCommands, CommandName> = true;
void backendMatchesContract;
