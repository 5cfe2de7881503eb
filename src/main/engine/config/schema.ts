// The shape of config.yaml as zod schemas that also convert to the engine's types (durations → ms,
// local paths → absolute). Objects are strict so a misspelt key is an error, never silently ignored.
// Messages are written for the person editing the YAML; generic type errors are worded in messages.ts.
// Rules that span several places (unique worker names, a worker's host must exist, one of pidFile/match)
// are in cross-checks.ts, because zod skips whole-object refinements as soon as any
// field is wrong, and we report everything.

import { z } from 'zod';
import { formatDuration, parseDuration } from './durations';
import { toLocalPath } from './local-path';
import { describeValue } from './messages';
import { notifySchema } from './notify';
import type {
  DivergeConfig,
  HostConfig,
  MetricsConfig,
  ProcessConfig,
  SyncRuleConfig,
  VigilConfig,
  WorkerConfig,
} from './types';

export interface SchemaContext {
  /** The user's home directory, for `~` in local paths. */
  home: string;
  /** The config file's folder: relative local paths are resolved against it. */
  baseDir: string;
}

export const DEFAULTS = {
  pollMs: 1_000,
  minPollMs: 200,
  repeatAlertsMs: 3_600_000,
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
  vitalsEveryMs: 10_000,
  gpuEveryMs: 15_000,
} as const;

/** Why a name or path cannot be used, or undefined. Control characters break logs, shells and rsync. */
export function controlCharProblem(value: string): string | undefined {
  const match = /[\u0000-\u001f\u007f]/.exec(value);
  if (!match) return undefined;
  const names: Record<string, string> = { '\n': 'a line break', '\r': 'a carriage return', '\t': 'a tab' };
  const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `contains ${names[match[0]] ?? `a control character (U+${code})`}; names and paths must be one plain line`;
}

/** A non-empty single-line string: names, remote paths, patterns. */
export const text = () =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .superRefine((value, ctx) => {
      const problem = controlCharProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** A value that ends up as an ssh/rsync argument: a leading "-" would be read as an option. */
const argument = () =>
  text().superRefine((value, ctx) => {
    if (value.startsWith('-'))
      ctx.addIssue({ code: 'custom', message: `must not start with "-" (got "${value}")` });
  });

export const localPath = (ctx: SchemaContext) =>
  text().transform((value, zctx) => {
    try {
      return toLocalPath(value, ctx.home, ctx.baseDir);
    } catch (err) {
      zctx.issues.push({ code: 'custom', message: (err as Error).message, input: value });
      return z.NEVER;
    }
  });

/** A duration written with a unit ("15m"); becomes milliseconds. */
const duration = (minMs = 1) =>
  z.unknown().transform((value, ctx) => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      ctx.issues.push({
        code: 'custom',
        message: `expected a duration like "15m", got ${describeValue(value)}`,
        input: value,
      });
      return z.NEVER;
    }
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: (err as Error).message, input: value });
      return z.NEVER;
    }
    if (ms < minMs) {
      const bound = minMs <= 1 ? 'longer than 0' : `at least ${formatDuration(minMs)}`;
      ctx.issues.push({ code: 'custom', message: `must be ${bound} (got "${value}")`, input: value });
      return z.NEVER;
    }
    return ms;
  });

const positiveInt = () => z.number().int().min(1);

/** `vitals: false` turns host vitals off (null); `vitals: { every: 30s, gpuEvery: 1m }` sets their pace. */
const vitalsSchema = z.preprocess(
  (value) => (value === false ? null : value),
  z
    .strictObject(
      {
        every: duration(2000).default(DEFAULTS.vitalsEveryMs),
        gpuEvery: duration(5000).default(DEFAULTS.gpuEveryMs),
      },
      {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? `expected false or { every, gpuEvery }, got ${describeValue(issue.input)}`
            : undefined,
      },
    )
    .nullable(),
);

const hostSchema = (ctx: SchemaContext) =>
  // `ec2:` with nothing after it is as natural in YAML as `ec2: {}`: both mean "the alias as is".
  z.preprocess(
    (value) => value ?? {},
    z.strictObject({
      hostname: argument().optional(),
      port: z.number().int().min(1).max(65_535).optional(),
      user: argument().optional(),
      identityFile: localPath(ctx).optional(),
      knownHostsFile: localPath(ctx).optional(),
      proxyJump: argument().optional(),
      connectTimeout: duration().default(DEFAULTS.connectTimeoutMs),
      keepaliveInterval: duration().default(DEFAULTS.keepaliveIntervalMs),
      keepaliveCount: positiveInt().default(DEFAULTS.keepaliveCountMax),
      vitals: vitalsSchema.default({ every: DEFAULTS.vitalsEveryMs, gpuEvery: DEFAULTS.gpuEveryMs }),
      follow: z.boolean().default(true),
    }),
  );

const metricsSchema = z.preprocess(
  // `metrics: results/metrics.jsonl` is shorthand for `metrics: { path: results/metrics.jsonl }`.
  (value) => (typeof value === 'string' ? { path: value } : value),
  z
    .strictObject(
      {
        path: text(),
        // Which formats exist is the engine's business (formats are plug-ins); it checks the id.
        format: text().optional(),
        loss: text().optional(),
        regex: z
          .string()
          .min(1, { error: 'must not be empty' })
          .superRefine((value, ctx) => {
            try {
              new RegExp(value);
            } catch (err) {
              ctx.addIssue({ code: 'custom', message: `does not compile: ${(err as Error).message}` });
            }
          })
          .optional(),
      },
      {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? `expected a path or { path, format?, loss?, regex? }, got ${describeValue(issue.input)}`
            : undefined,
      },
    )
    .transform((m): MetricsConfig => dropUndefined(m)),
);

// "Exactly one of pidFile and match" is checked in cross-checks.ts, where a misspelt key can be told
// apart from a missing one.
const processSchema = z
  .strictObject({ pidFile: text().optional(), match: text().optional() })
  .transform(
    (value): ProcessConfig =>
      value.pidFile !== undefined ? { pidFile: value.pidFile } : { match: value.match ?? '' },
  );

/** A pattern or a list of patterns; one string is a list of one. */
const patterns = () =>
  z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z.array(text(), {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `expected a pattern or a list of patterns, got ${describeValue(issue.input)}`
          : undefined,
    }),
  );

const syncRuleSchema = (ctx: SchemaContext) =>
  z
    .strictObject({
      from: text(),
      to: localPath(ctx).optional(),
      every: duration().optional(),
      include: patterns().optional(),
      exclude: patterns().optional(),
      // rsync's --bwlimit: KiB/s as a number, or with a unit suffix ("5m", "1.5M").
      bwlimit: z
        .preprocess(
          (value) => (typeof value === 'number' ? String(value) : value),
          z.string().regex(/^\d+(\.\d+)?([KMGTP](i?B)?)?$/i, {
            error: 'expected a rate like 5000 (KiB/s) or "5m" (MiB/s)',
          }),
        )
        .optional(),
      onFinish: z.boolean().default(true),
      onStall: z.boolean().default(true),
    })
    .transform(({ every, ...rest }): SyncRuleConfig => dropUndefined({ ...rest, everyMs: every }));

/** "5%" → 0.05: a share of the run so far. */
const percent = () =>
  z.unknown().transform((value, ctx) => {
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
    const share = m ? Number(m[1]) / 100 : Number.NaN;
    if (!(share > 0 && share <= 1)) {
      ctx.issues.push({
        code: 'custom',
        message: `expected a share of the run like "5%" (more than 0 %, at most 100 %), got ${describeValue(value)}`,
        input: value,
      });
      return z.NEVER;
    }
    return share;
  });

const divergeObject = z
  .strictObject({
    factor: z
      .number()
      .gt(1, { error: 'must be more than 1 (the loss rising above factor × its best)' })
      .optional(),
    for: percent().optional(),
  })
  .transform((d): DivergeConfig => dropUndefined({ factor: d.factor, share: d.for }));

// `diverge: false` turns the judgement off; `{ factor, for }` overrides its thresholds (DEFAULT_DIVERGE).
// Not a z.union: a union would hide which field of the mapping is wrong behind "matches neither".
const divergeSchema = z.unknown().transform((value, ctx): DivergeConfig | false => {
  if (value === false) return false;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.issues.push({
      code: 'custom',
      message: `expected false or { factor: 10, for: "5%" }, got ${describeValue(value)}`,
      input: value,
    });
    return z.NEVER;
  }
  const r = divergeObject.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.issues.push({ ...issue, input: value } as never);
  return z.NEVER;
});

const workerSchema = (ctx: SchemaContext) =>
  z
    .strictObject({
      name: text(),
      host: text(),
      dir: text(),
      metrics: metricsSchema,
      log: text().optional(),
      process: processSchema.optional(),
      stallAfter: duration().optional(),
      totalEpochs: positiveInt().optional(),
      diverge: divergeSchema.optional(),
      sync: z.array(syncRuleSchema(ctx)).default([]),
    })
    .transform(
      ({ stallAfter, ...rest }): WorkerConfig => dropUndefined({ ...rest, stallAfterMs: stallAfter }),
    );

/** The whole file. `hosts` and `workers` may be absent here: cross-checks.ts explains what is missing. */
export const configSchema = (ctx: SchemaContext) =>
  z
    .strictObject(
      {
        sshConfig: localPath(ctx).optional(),
        rsync: localPath(ctx).optional(),
        poll: duration(DEFAULTS.minPollMs).default(DEFAULTS.pollMs),
        alerts: z
          .strictObject({
            repeatEvery: duration().default(DEFAULTS.repeatAlertsMs),
            notify: notifySchema(ctx).default([]),
          })
          .default({ repeatEvery: DEFAULTS.repeatAlertsMs, notify: [] }),
        hosts: z.record(z.string(), hostSchema(ctx)).default({}),
        workers: z.array(workerSchema(ctx)).default([]),
      },
      {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? `the file must be a mapping with "hosts:" and "workers:", not ${describeValue(issue.input)}`
            : undefined,
      },
    )
    .transform(
      (c): Omit<VigilConfig, 'file'> =>
        dropUndefined({
          sshConfig: c.sshConfig,
          rsync: c.rsync,
          pollMs: c.poll,
          repeatAlertsMs: c.alerts.repeatEvery,
          notify: c.alerts.notify,
          hosts: Object.fromEntries(
            Object.entries(c.hosts).map(([name, h]): [string, HostConfig] => [
              name,
              dropUndefined({
                name,
                hostname: h.hostname,
                port: h.port,
                user: h.user,
                identityFile: h.identityFile,
                knownHostsFile: h.knownHostsFile,
                proxyJump: h.proxyJump,
                connectTimeoutMs: h.connectTimeout,
                keepaliveIntervalMs: h.keepaliveInterval,
                keepaliveCountMax: h.keepaliveCount,
                vitals: h.vitals === null ? null : { everyMs: h.vitals.every, gpuEveryMs: h.vitals.gpuEvery },
                follow: h.follow,
              }),
            ]),
          ),
          workers: c.workers,
        }),
    );

/** Optional fields are left out rather than set to undefined, so results compare and print cleanly. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
