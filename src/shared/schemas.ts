// Runtime schemas for every argument, result and event payload of the contract. The receiving side
// validates with these, so a bad message fails loudly with the command and the field it got wrong
// instead of corrupting the UI or the engine.

import { z } from 'zod';
import type { CommandArgs, CommandName, CommandResult, EventName, Events } from './contract';

// NaN and ±Infinity are real values here (a NaN loss is the most important number), and zod's
// z.number() refuses them, hence a plain "is a number" check.
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const finite = z.number();
const isoTime = z.string().min(1);
const name = z.string().min(1);

const workerStatus = z.enum([
  'running',
  'late',
  'stalled',
  'unreachable',
  'finished',
  'failed',
  'unknown',
  'error',
]);
const connection = z.enum([
  'unknown',
  'ok',
  'degraded',
  'unreachable',
  'auth-failed',
  'host-key-mismatch',
  'host-key-unknown',
  'config-error',
]);

export const workerSnapshotSchema = z.object({
  name,
  host: z.string(),
  status: workerStatus,
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
  mirror: z.string().nullable(),
  connection,
  process: z.enum(['running', 'exited', 'unknown', 'not-configured']),
  format: z.string().nullable(),
  logTail: z.array(z.string()),
  sync: z.array(
    z.object({
      to: z.string(),
      lastSyncAt: isoTime.nullable(),
      result: z.string().nullable(),
      bytes: z.number(),
      state: z.enum(['idle', 'queued', 'running']),
    }),
  ),
});

export const fleetSnapshotSchema = z.object({
  generatedAt: isoTime,
  workers: z.array(workerSnapshotSchema),
  configError: z.string().nullable(),
});

export const xAxisSchema = z.enum(['step', 'epoch', 'time']);

export const seriesOptionsSchema = z.object({
  maxPoints: z.number().int().min(3).max(100_000),
  range: z
    .object({ from: finite, to: finite })
    .refine((r) => r.from <= r.to, { message: 'from must not be after to' })
    .optional(),
  x: xAxisSchema,
});

export const seriesResultSchema = z.object({
  worker: name,
  x: xAxisSchema,
  series: z.array(
    z.object({
      metric: z.string(),
      totalPoints: finite,
      points: z.array(
        z.object({ x: finite, y: finite.nullable(), min: finite.nullable(), max: finite.nullable() }),
      ),
    }),
  ),
  thinned: z.object({ before: finite, every: finite }).nullable().optional(),
});

export const alertEventSchema = z.object({
  worker: name,
  workers: z.array(name).max(10_000).optional(),
  kind: z.enum(['stalled', 'unreachable', 'failed', 'error', 'finished', 'recovered', 'reminder']),
  message: z.string(),
  at: isoTime,
});

export const progressEventSchema = z.object({
  worker: name,
  rule: z.string(),
  bytes: finite.min(0),
  percent: finite.min(0).max(100),
  rate: finite.min(0),
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
} satisfies Record<CommandName, { names: string[]; schema: z.ZodType }>;

const commandResults = {
  getSnapshot: fleetSnapshotSchema,
  getSeries: seriesResultSchema,
  snooze: z.undefined(),
  syncNow: z.undefined(),
  openMirror: z.undefined(),
  reloadConfig: z.undefined(),
} satisfies Record<CommandName, z.ZodType>;

const eventPayloads = {
  snapshot: fleetSnapshotSchema,
  alert: alertEventSchema,
  progress: progressEventSchema,
  focusWorker: z.object({ worker: name }),
} satisfies Record<EventName, z.ZodType>;

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
