// The typed contract between the engine (through any shell) and every UI: commands are requests that
// answer with a promise, events are pushed. Each map is the single source of truth for one side of the
// wire; transports, the client, the server dispatcher and the zod schemas are all derived from them.

import type { FleetSnapshot } from './model';

/** Which value a chart puts on its x axis. */
export type XAxis = 'step' | 'epoch' | 'time';

export interface SeriesOptions {
  /** The caller's budget: about two points per horizontal pixel. */
  maxPoints: number;
  /** Only points whose x lies in [from, to] (same unit as `x`). */
  range?: { from: number; to: number };
  x: XAxis;
}

/**
 * One downsampled point. `y` null marks a gap (missing or non-finite value): the line breaks there
 * instead of bridging it. `min`/`max` bound the raw values the point stands for (the envelope).
 */
export interface SeriesPoint {
  x: number;
  y: number | null;
  min: number | null;
  max: number | null;
}

export interface MetricSeries {
  metric: string;
  /** Raw points before downsampling (after the range filter). */
  totalPoints: number;
  points: SeriesPoint[];
}

export interface SeriesResult {
  worker: string;
  x: XAxis;
  series: MetricSeries[];
  /**
   * The engine keeps a long run's older records thinned (the local mirror keeps them all): before x =
   * `before`, each stretch of `every` records keeps its first, lowest, highest and first non-finite
   * point per metric. Absent or null while every record is held.
   */
  thinned?: { before: number; every: number } | null;
}

/** The request side of the contract: `name(args) → result`. Every call is async on the wire. */
export interface Commands {
  getSnapshot(): FleetSnapshot;
  getSeries(worker: string, metrics: string[], options: SeriesOptions): SeriesResult;
  /** `worker` null snoozes every worker's alerts. */
  snooze(worker: string | null, durationMs: number): void;
  /** `worker` null syncs every worker. */
  syncNow(worker: string | null): void;
  /** Reveals the worker's local mirror in the system file manager. */
  openMirror(worker: string): void;
  reloadConfig(): void;
}

export type AlertKind =
  | 'stalled'
  | 'unreachable'
  | 'failed'
  | 'error'
  | 'finished'
  | 'recovered'
  | 'reminder';

export interface AlertEvent {
  worker: string;
  /** Every worker the alert is about when one cause hit several (a host went silent); `worker` is the first. */
  workers?: string[];
  kind: AlertKind;
  message: string;
  /** ISO time the episode changed. */
  at: string;
}

export interface ProgressEvent {
  worker: string;
  /** The sync rule (its `to` path, or an index as text) the transfer belongs to. */
  rule: string;
  bytes: number;
  /** 0..100 */
  percent: number;
  /** Bytes per second. */
  rate: number;
  /** Seconds left, null when unknown. */
  eta: number | null;
}

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
] as const satisfies readonly CommandName[];
export const EVENT_NAMES = [
  'snapshot',
  'alert',
  'progress',
  'focusWorker',
] as const satisfies readonly EventName[];

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
  subscribe(listener: EventListener): Unsubscribe;
}

// Compile-time proof that ContractBackend spells out exactly the commands of the contract.
type BackendCommands = Omit<ContractBackend, 'subscribe'>;
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const backendMatchesContract: Exact<keyof BackendCommands, CommandName> = true;
void backendMatchesContract;
