// Runtime schemas for every argument, result and event payload of the contract, and the one source of
// the data types: model.ts and contract.ts derive WorkerSnapshot, SeriesResult, AlertEvent… from these
// with z.infer, so a field added here is a field of the type, and the receiving side's validation
// can never drift from what the sender compiles against. A bad message fails loudly with the command
// and the field it got wrong instead of corrupting the UI or the engine.

import { z } from 'zod';
import type { CommandArgs, CommandName, CommandResult, EventName, Events } from './contract';
import { CONNECTION_STATES, PROCESS_STATES, WORKER_STATUSES } from './model';

// NaN and ±Infinity are real values here (a NaN loss is the most important number), and zod's
// z.number() refuses them, hence a plain "is a number" check.
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const finite = z.number();
const isoTime = z.string().min(1);
const name = z.string().min(1);

export const syncRuleStateSchema = z.object({
  /** Local destination folder. */
  to: z.string(),
  /** When the last run ended, null before the first. */
  lastSyncAt: isoTime.nullable(),
  /** When a run last succeeded (warnings included), null before the first success. */
  lastOkAt: isoTime.nullable().optional(),
  /** "ok", "warning: …", or why it failed; null before the first run. */
  result: z.string().nullable(),
  /** Bytes moved by the last run. */
  bytes: z.number(),
  /** A transfer is queued or running now. */
  state: z.enum(['idle', 'queued', 'running']),
});

/** A worker's process tree on its host (DataLoader workers included); null where unknown. */
export const workerResourcesSchema = z.object({
  rssBytes: finite.nullable(),
  /** Percent of one core (above 100 with several busy cores). */
  cpuPct: finite.nullable(),
  /** GPU memory of the tree's processes, from nvidia-smi's compute apps. */
  gpuMemBytes: finite.nullable(),
});

export const NO_RESOURCES = { rssBytes: null, cpuPct: null, gpuMemBytes: null } as const;

/** "2.3× slower than in the last hour": how much, since when. */
export const slowdownSchema = z.object({
  factor: finite,
  since: isoTime,
  text: z.string(),
});

/** What every shell shows for one worker. Times are ISO strings; missing values are null. */
export const workerSnapshotSchema = z.object({
  name,
  host: z.string(),
  status: z.enum(WORKER_STATUSES),
  reason: z.string(),
  epoch: anyNumber.nullable(),
  totalEpochs: anyNumber.nullable(),
  step: anyNumber.nullable(),
  loss: anyNumber.nullable(),
  lossMetric: z.string().nullable(),
  metrics: z.record(z.string(), anyNumber),
  records: finite,
  lastProgressAt: isoTime.nullable(),
  lastContactAt: isoTime.nullable(),
  /** Local path of the mirrored metrics file. */
  mirror: z.string().nullable(),
  connection: z.enum(CONNECTION_STATES),
  process: z.enum(PROCESS_STATES),
  format: z.string().nullable(),
  /** Last lines of the worker's log, newest last. */
  logTail: z.array(z.string()),
  /** The worker's sync rules (results mirrored home by rsync). */
  sync: z.array(syncRuleStateSchema),
  /** Absent where no vitals are read (vitals off, or a shell that does not have them). */
  resources: workerResourcesSchema.optional(),
  /**
   * Forecast (judge/forecast.ts): when the run should reach its total (null: unknowable — no total, too
   * few records, not running), its steps per second and seconds per epoch over the last half hour.
   * Optional for shells that have no engine; the engine always sets them.
   */
  etaAt: isoTime.nullable().optional(),
  stepsPerSecond: finite.nullable().optional(),
  secondsPerEpoch: finite.nullable().optional(),
  /** The run goes on, slower (judge/slowdown.ts): a warning beside the status, never a status. */
  slowdown: slowdownSchema.nullable().optional(),
});

/** Pressure stall information, `avg10` in percent (kernel ≥ 4.20; null without it). */
export const hostPressureSchema = z.object({
  memorySome10: finite.nullable(),
  memoryFull10: finite.nullable(),
  cpuSome10: finite.nullable(),
  ioSome10: finite.nullable(),
  ioFull10: finite.nullable(),
});

export const hostVitalsSchema = z.object({
  memTotalBytes: finite.nullable(),
  memAvailableBytes: finite.nullable(),
  swapTotalBytes: finite.nullable(),
  swapFreeBytes: finite.nullable(),
  load1: finite.nullable(),
  cpus: finite.nullable(),
  /** The kernel's count of OOM kills since boot. */
  oomKills: finite.nullable(),
  uptimeSeconds: finite.nullable(),
  pressure: hostPressureSchema,
});

/** The file system holding one or more workers' `dir`. */
export const hostDiskSchema = z.object({
  path: z.string(),
  freeBytes: finite.nullable(),
  totalBytes: finite.nullable(),
  freeInodes: finite.nullable(),
  workers: z.array(name),
});

export const hostGpuSchema = z.object({
  index: finite,
  name: z.string().nullable(),
  utilPct: finite.nullable(),
  memUsedBytes: finite.nullable(),
  memTotalBytes: finite.nullable(),
  tempC: finite.nullable(),
  powerW: finite.nullable(),
  powerLimitW: finite.nullable(),
  /** Active clock throttle reasons ("power cap", "thermal (hardware)"…); null when not reported. */
  throttle: z.array(z.string()).nullable(),
});

export const HOST_WARNING_KINDS = [
  'memory',
  'swap',
  'disk',
  'gpu-memory',
  'gpu-idle',
  'gpu-hot',
  'gpu-hung',
  'oom',
] as const;

/** A warning before trouble: what is wrong, since when, what to do; the workers it concerns. */
export const hostWarningSchema = z.object({
  kind: z.enum(HOST_WARNING_KINDS),
  since: isoTime,
  text: z.string(),
  workers: z.array(name),
});

/** One host as every shell shows it: its connection, its vitals, its warnings. */
export const hostSnapshotSchema = z.object({
  name,
  connection: z.enum(CONNECTION_STATES),
  lastContactAt: isoTime.nullable(),
  bootId: z.string().nullable(),
  /** When the vitals shown were read (null: never). */
  vitalsAt: isoTime.nullable(),
  vitals: hostVitalsSchema.nullable(),
  /** Why vitals are missing ("vitals unavailable: …", "vitals are off"), else null. */
  vitalsNote: z.string().nullable(),
  disks: z.array(hostDiskSchema),
  gpus: z.array(hostGpuSchema),
  /** What is wrong with the GPU query (nvidia-smi hung, failed), else null. */
  gpuNote: z.string().nullable(),
  warnings: z.array(hostWarningSchema),
  /** While the host is silent: since when, its last vitals and the likely cause, ranked. */
  silence: z.string().nullable(),
  /** What happened while it was silent, once it answers again (kept for an hour). */
  returned: z.object({ at: isoTime, text: z.string() }).nullable(),
  workers: z.array(name),
});

/** One point of a worker's resource history (the detail's last-hour chart). */
export const resourcePointSchema = z.object({
  t: finite,
  rssBytes: finite.nullable(),
  cpuPct: finite.nullable(),
  gpuMemBytes: finite.nullable(),
});

export const resourceHistorySchema = z.object({
  worker: name,
  host: z.string(),
  points: z.array(resourcePointSchema),
  /** The host's memory and GPU memory totals, for the chart's scale. */
  memTotalBytes: finite.nullable(),
});

/** One relay target (`alerts.notify`) as the UI and `vigil status` show it. Never holds a secret. */
export const relayTargetStateSchema = z.object({
  /** Stable id (type and a hash of what it points at). */
  id: z.string(),
  /** "ntfy ntfy.sh", "slack (webhook in ~/.config/vigil/slack)", or the target's `name`. */
  label: z.string(),
  /** ok: the last delivery got through (or none was needed); failing: the last attempt failed. */
  state: z.enum(['ok', 'failing']),
  /** Why the last attempt failed and what to do ("HTTP 401: … check tokenFile"), redacted. */
  error: z.string().nullable(),
  /** When it started failing. */
  failingSince: isoTime.nullable(),
  /** When the next attempt is due, while failing. */
  retryAt: isoTime.nullable(),
  /** When a delivery last got through. */
  lastSentAt: isoTime.nullable(),
  /** Alerts waiting in the outbox for this target. */
  pending: finite,
  /** Alerts given up for this target since the outbox began (outbox full, or refused as malformed). */
  dropped: finite,
});

export const fleetSnapshotSchema = z.object({
  generatedAt: isoTime,
  workers: z.array(workerSnapshotSchema),
  /** Every host with workers: its connection, vitals, warnings (absent from a shell that has none). */
  hosts: z.array(hostSnapshotSchema).optional(),
  /** Set when the configuration itself could not be loaded. */
  configError: z.string().nullable(),
  /** The relay targets and how their deliveries go; absent when none is configured. */
  relay: z.array(relayTargetStateSchema).optional(),
});

/** Which value a chart puts on its x axis. */
export const xAxisSchema = z.enum(['step', 'epoch', 'time']);

export const seriesOptionsSchema = z.object({
  /** The caller's budget: about two points per horizontal pixel. */
  maxPoints: z.number().int().min(3).max(100_000),
  /** Only points whose x lies in [from, to] (same unit as `x`). */
  range: z
    .object({ from: finite, to: finite })
    .refine((r) => r.from <= r.to, { message: 'from must not be after to' })
    .optional(),
  x: xAxisSchema,
});

/**
 * One downsampled point. `y` null marks a gap (missing or non-finite value): the line breaks there
 * instead of bridging it. `min`/`max` bound the raw values the point stands for (the envelope).
 */
export const seriesPointSchema = z.object({
  x: finite,
  y: finite.nullable(),
  min: finite.nullable(),
  max: finite.nullable(),
});

/**
 * A stretch of the x axis where the metric's values are not numbers (NaN, ±Infinity): from the first such
 * value to the last one of the stretch. The line has a gap there; the chart marks the stretch so a NaN
 * tail is seen, not hidden behind a curve that simply ends.
 */
export const nonFiniteStretchSchema = z.object({
  from: finite,
  to: finite,
  value: z.enum(['NaN', 'Infinity', '-Infinity', 'mixed']),
});

export const metricSeriesSchema = z.object({
  metric: z.string(),
  /** Raw points before downsampling (after the range filter). */
  totalPoints: finite,
  points: z.array(seriesPointSchema),
  /** Where the values are NaN or ±Infinity, in x order (absent: none). */
  nonFinite: z.array(nonFiniteStretchSchema).max(1000).optional(),
});

export const seriesResultSchema = z.object({
  worker: name,
  x: xAxisSchema,
  series: z.array(metricSeriesSchema),
  /**
   * The engine keeps a long run's older records thinned (the local mirror keeps them all): before x =
   * `before`, each stretch of `every` records keeps its first, lowest, highest and first non-finite
   * point per metric. Absent or null while every record is held.
   */
  thinned: z.object({ before: finite, every: finite }).nullable().optional(),
  /**
   * On the step axis: the x values are the records' numbers (from 1), because the file's steps go back
   * (a run restarted into the same file) and would fold the line onto itself.
   */
  stepIsRecord: z.boolean().optional(),
});

export const alertKindSchema = z.enum([
  'stalled',
  'unreachable',
  'diverged',
  'failed',
  'error',
  'finished',
  'recovered',
  'reminder',
  /** A host's warning before trouble (memory, disk, GPU, the OOM killer). */
  'warning',
  /** A host answers again after a silence: what happened meanwhile. */
  'back',
  /** A run goes on at under half its pace of the hour before (or of its peers'); once per episode. */
  'slowdown',
]);

export const alertEventSchema = z.object({
  worker: name,
  /** Every worker the alert is about when one cause hit several (a host went silent); `worker` is the first. */
  workers: z.array(name).max(10_000).optional(),
  kind: alertKindSchema,
  /** The host, for the kinds about a host (warning, back). */
  host: z.string().optional(),
  message: z.string(),
  /** ISO time the episode changed. */
  at: isoTime,
  /**
   * Idempotency key: the worker, its episode's id and the kind ("I3D/stalled-lq2x9k:stalled"). The same
   * alert always has the same key, however often it is relayed; a grouped alert has its first worker's.
   */
  key: z.string().max(2048).optional(),
});

/** Where a sync rule's run is: waiting for its host, moving data, or ended (and how). */
export const syncPhaseSchema = z.enum(['queued', 'running', 'ok', 'warning', 'error']);

export const progressEventSchema = z.object({
  worker: name,
  /** The sync rule (its `to` path, or an index as text) the transfer belongs to. */
  rule: z.string(),
  /** Absent: 'running'. The last event of a run says how it ended ('ok', 'warning', 'error'). */
  phase: syncPhaseSchema.optional(),
  /** With an ended phase: "ok", the warning, or why it failed. */
  message: z.string().max(4096).optional(),
  bytes: finite.min(0),
  /** 0..100 */
  percent: finite.min(0).max(100),
  /** Bytes per second. */
  rate: finite.min(0),
  /** Seconds left, null when unknown. */
  eta: finite.min(0).nullable(),
});

const durationMs = z
  .number()
  .int()
  .positive()
  .max(7 * 24 * 3_600_000);

/** Each command's arguments as a named tuple: the names make error messages readable. */
const commandArgs = {
  getSnapshot: { names: [], schema: z.tuple([]) },
  getSeries: {
    names: ['worker', 'metrics', 'options'],
    schema: z.tuple([name, z.array(name).min(1).max(16), seriesOptionsSchema]),
  },
  snooze: { names: ['worker', 'durationMs'], schema: z.tuple([name.nullable(), durationMs]) },
  syncNow: { names: ['worker'], schema: z.tuple([name.nullable()]) },
  openMirror: { names: ['worker'], schema: z.tuple([name]) },
  reloadConfig: { names: [], schema: z.tuple([]) },
  getResources: { names: ['worker', 'sinceMs'], schema: z.tuple([name, durationMs]) },
} satisfies { [K in CommandName]: { names: string[]; schema: z.ZodType<CommandArgs<K>> } };

const commandResults = {
  getSnapshot: fleetSnapshotSchema,
  getSeries: seriesResultSchema,
  snooze: z.undefined(),
  syncNow: z.undefined(),
  openMirror: z.undefined(),
  reloadConfig: z.undefined(),
  getResources: resourceHistorySchema,
} satisfies { [K in CommandName]: z.ZodType<CommandResult<K>> };

const eventPayloads = {
  snapshot: fleetSnapshotSchema,
  alert: alertEventSchema,
  progress: progressEventSchema,
  focusWorker: z.object({ worker: name }),
} satisfies { [E in EventName]: z.ZodType<Events[E]> };

/** Thrown when a message does not match the contract; the message names what and where. */
export class ContractError extends Error {
  override name = 'ContractError';
}

function describeIssues(issues: readonly z.core.$ZodIssue[], names: readonly string[] = []): string {
  return issues
    .map((issue) => {
      const [head, ...rest] = issue.path;
      const first = typeof head === 'number' && names[head] !== undefined ? names[head] : head;
      const field = [first, ...rest].filter((p) => p !== undefined).join('.');
      return `${field || '(value)'}: ${issue.message}`;
    })
    .join('; ');
}

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && Object.hasOwn(commandArgs, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(eventPayloads, value);
}

export function parseCommandArgs<K extends CommandName>(command: K, args: unknown): CommandArgs<K> {
  const spec = commandArgs[command];
  if (!Array.isArray(args)) throw new ContractError(`${command}: arguments must be an array`);
  // Trailing undefined arguments are what an omitted optional looks like after a JSON round trip.
  if (args.length > spec.names.length) {
    throw new ContractError(`${command}: expected ${spec.names.length} argument(s), got ${args.length}`);
  }
  const result = spec.schema.safeParse(args);
  if (!result.success) {
    throw new ContractError(
      `${command}: invalid argument ${describeIssues(result.error.issues, spec.names)}`,
    );
  }
  return result.data as CommandArgs<K>;
}

export function parseCommandResult<K extends CommandName>(command: K, value: unknown): CommandResult<K> {
  // void commands may come back as null after JSON; normalise to undefined.
  const input = value === null && commandResults[command] instanceof z.ZodUndefined ? undefined : value;
  const result = commandResults[command].safeParse(input);
  if (!result.success)
    throw new ContractError(`${command}: invalid result ${describeIssues(result.error.issues)}`);
  return result.data as CommandResult<K>;
}

export function parseEventPayload<E extends EventName>(event: E, payload: unknown): Events[E] {
  const result = eventPayloads[event].safeParse(payload);
  if (!result.success)
    throw new ContractError(`${event}: invalid payload ${describeIssues(result.error.issues)}`);
  return result.data as Events[E];
}
