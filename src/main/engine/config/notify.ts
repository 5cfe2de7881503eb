// `alerts.notify`: where alerts are relayed (ntfy, Slack, a webhook, a command). Secrets are never
// written in the config: a token, a Slack webhook URL (the URL is the secret) or an HMAC key is read
// from a file or an environment variable at each use, so the config can be shared and printed. For the
// same reason no message here ever quotes a value the user wrote under `notify:` (it might be one).
// (schema.ts imports this file and this file uses its field helpers: only inside functions, called
// once both modules are loaded.)

import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { z } from 'zod';
import { DEFAULT_NOTIFY_KINDS, isNotifyKind, NOTIFY_KINDS, type NotifyKind } from './notify-kinds';
import { localPath, type SchemaContext, text } from './schema';
import { didYouMean } from './suggest';
import type { NotifyTarget, NtfyPriority, SecretRef } from './types';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envName = () =>
  z.string().regex(ENV_NAME, { error: 'must be an environment variable name (letters, digits, _)' });

/** An http(s) URL without a user or password in it (those are secrets: they go in a file). */
const publicUrl = (secretKey: string) =>
  z.string().transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.issues.push({ code: 'custom', message: 'must be a URL like https://host/path', input: '' });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.issues.push({ code: 'custom', message: 'must be an http:// or https:// URL', input: '' });
      return z.NEVER;
    }
    if (url.username || url.password || url.searchParams.has('auth')) {
      ctx.issues.push({
        code: 'custom',
        message: `must not carry a user, password or auth= token: put the secret in "${secretKey}File" (a file holding it) or "${secretKey}Env" (an environment variable)`,
        input: '',
      });
      return z.NEVER;
    }
    return url.toString();
  });

/** `xFile` / `xEnv` → a SecretRef; both given is an error (which one would win is not obvious). */
function secretRef(
  value: { file?: string; env?: string },
  key: string,
  ctx: z.core.$RefinementCtx,
): SecretRef | undefined {
  if (value.file !== undefined && value.env !== undefined) {
    ctx.issues.push({
      code: 'custom',
      message: `give either "${key}File" or "${key}Env", not both`,
      input: '',
    });
    return undefined;
  }
  if (value.file !== undefined) return { file: value.file };
  if (value.env !== undefined) return { env: value.env };
  return undefined;
}

const PRIORITY_NUMBERS: Record<number, NtfyPriority> = {
  1: 'min',
  2: 'low',
  3: 'default',
  4: 'high',
  5: 'max',
};

const priority = z
  .union([z.enum(['min', 'low', 'default', 'high', 'max', 'urgent']), z.number()])
  .transform((value, ctx): NtfyPriority => {
    if (typeof value === 'string') return value;
    const named = PRIORITY_NUMBERS[value];
    if (named) return named;
    ctx.issues.push({ code: 'custom', message: 'must be 1–5 or min, low, default, high, max', input: '' });
    return z.NEVER;
  });

/** A mapping, or the shorthand `ntfy: https://ntfy.sh/topic` for `{ url: … }`. */
const urlShorthand = (value: unknown) => (typeof value === 'string' ? { url: value } : value);

const ntfySchema = (ctx: SchemaContext) =>
  z.preprocess(
    urlShorthand,
    z
      .strictObject({
        url: publicUrl('token'),
        tokenFile: localPath(ctx).optional(),
        tokenEnv: envName().optional(),
        priority: priority.optional(),
        click: publicUrl('token').optional(),
      })
      .transform(({ tokenFile, tokenEnv, ...rest }, zctx) => ({
        ...rest,
        token: secretRef({ file: tokenFile, env: tokenEnv }, 'token', zctx),
      })),
  );

const slackSchema = (ctx: SchemaContext) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? { [SLACK_INLINE]: true } : value),
    z
      .strictObject({
        webhookFile: localPath(ctx).optional(),
        webhookEnv: envName().optional(),
        [SLACK_INLINE]: z.literal(true).optional(),
      })
      .transform((value, zctx) => {
        if (value[SLACK_INLINE]) {
          zctx.issues.push({
            code: 'custom',
            message:
              'a Slack webhook URL is a secret: put it in a file and give { webhookFile: FILE }, or in an environment variable and give { webhookEnv: NAME }',
            input: '',
          });
          return z.NEVER;
        }
        const webhook = secretRef({ file: value.webhookFile, env: value.webhookEnv }, 'webhook', zctx);
        // Neither given: cross-checks.ts says so (here an unknown key like "url" would be told twice),
        // and the entry is left out below; zod still runs the outer transforms on a failed parse.
        return { webhook };
      }),
  );
/** Marks `slack: "https://hooks…"` written inline, so the value itself is never part of a message. */
const SLACK_INLINE = '__inline';

const webhookSchema = (ctx: SchemaContext) =>
  z.preprocess(
    urlShorthand,
    z
      .strictObject({
        url: publicUrl('secret'),
        secretFile: localPath(ctx).optional(),
        secretEnv: envName().optional(),
      })
      .transform(({ secretFile, secretEnv, url }, zctx) => ({
        url,
        secret: secretRef({ file: secretFile, env: secretEnv }, 'secret', zctx),
      })),
  );

const commandSchema = () =>
  z
    .array(text(), {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? 'expected a list: [program, argument, …] (run without a shell; the alert arrives as JSON on stdin)'
          : undefined,
    })
    .min(1, { error: 'needs at least the program to run' });

const kindsSchema = z
  .array(z.string(), { error: () => `expected a list of kinds (${NOTIFY_KINDS.join(', ')})` })
  .transform((kinds, ctx): NotifyKind[] => {
    const out: NotifyKind[] = [];
    kinds.forEach((kind, i) => {
      if (isNotifyKind(kind)) {
        if (!out.includes(kind)) out.push(kind);
        return;
      }
      const guess = didYouMean(kind, NOTIFY_KINDS);
      ctx.issues.push({
        code: 'custom',
        path: [i],
        input: kind,
        message: guess
          ? `unknown kind "${kind}" — did you mean "${guess}"?`
          : `unknown kind "${kind}" (kinds: ${NOTIFY_KINDS.join(', ')})`,
      });
    });
    return out;
  });

type WithoutNaming<T> = T extends unknown ? Omit<T, 'id' | 'label'> : never;
type Target = WithoutNaming<NotifyTarget>;

/** One `notify:` entry: exactly one of ntfy/slack/webhook/command (checked in cross-checks.ts). */
const targetSchema = (ctx: SchemaContext) =>
  z
    .strictObject(
      {
        ntfy: ntfySchema(ctx).optional(),
        slack: slackSchema(ctx).optional(),
        webhook: webhookSchema(ctx).optional(),
        command: commandSchema().optional(),
        kinds: kindsSchema.optional(),
        name: text().optional(),
      },
      {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? 'expected a mapping with one of ntfy, slack, webhook or command (and optionally kinds, name)'
            : undefined,
      },
    )
    .transform((t): (Target & { name?: string }) | undefined => {
      const kinds = t.kinds ?? [...DEFAULT_NOTIFY_KINDS];
      const name = t.name;
      if (t.ntfy) return dropUndefined({ type: 'ntfy' as const, ...t.ntfy, kinds, name });
      if (t.slack)
        return t.slack.webhook
          ? { type: 'slack', webhook: t.slack.webhook, kinds, ...(name ? { name } : {}) }
          : undefined;
      if (t.webhook) return dropUndefined({ type: 'webhook' as const, ...t.webhook, kinds, name });
      if (t.command) return { type: 'command', argv: t.command, kinds, ...(name ? { name } : {}) };
      return undefined; // cross-checks.ts says which key is missing
    });

export const notifySchema = (ctx: SchemaContext) =>
  z.array(targetSchema(ctx)).transform((targets): NotifyTarget[] => {
    const out: NotifyTarget[] = [];
    const labels = new Map<string, number>();
    for (const t of targets) {
      // An entry with an error inside still reaches here (zod runs outer transforms on a failed parse):
      // skip it, its error is reported.
      if (!t || !complete(t)) continue;
      const { name, ...target } = t;
      let label = name ?? defaultLabel(target);
      const seen = labels.get(label) ?? 0;
      labels.set(label, seen + 1);
      if (seen > 0) label = `${label} #${seen + 1}`;
      let id = targetId(target);
      // The same target listed twice is still two targets (each keeps its own deliveries).
      while (out.some((o) => o.id === id)) id = `${id}+`;
      out.push({ ...target, id, label } as NotifyTarget);
    }
    return out;
  });

function complete(t: Target): boolean {
  switch (t.type) {
    case 'ntfy':
    case 'webhook':
      return typeof t.url === 'string';
    case 'slack':
      return typeof t.webhook === 'object' && t.webhook !== null;
    case 'command':
      return Array.isArray(t.argv) && typeof t.argv[0] === 'string';
  }
}

/** What a target points at, without its secret: the url, the secret's file or variable, the argv. */
function identity(t: Target): string {
  const ref = (r: SecretRef | undefined) => (r ? ('file' in r ? `file:${r.file}` : `env:${r.env}`) : '');
  switch (t.type) {
    case 'ntfy':
      return `${t.url}\u0000${ref(t.token)}`;
    case 'slack':
      return ref(t.webhook);
    case 'webhook':
      return `${t.url}\u0000${ref(t.secret)}`;
    case 'command':
      return t.argv.join('\u0000');
  }
}

/** Stable across restarts and reorderings; a target pointed elsewhere is a new target. */
function targetId(t: Target): string {
  const hash = createHash('sha256')
    .update(`${t.type}\u0000${identity(t)}`)
    .digest('hex')
    .slice(0, 10);
  return `${t.type}-${hash}`;
}

function defaultLabel(t: Target): string {
  const ref = (r: SecretRef) => ('file' in r ? r.file : `$${r.env}`);
  switch (t.type) {
    case 'ntfy':
      return `ntfy ${new URL(t.url).host}`;
    case 'slack':
      return `slack (webhook in ${ref(t.webhook)})`;
    case 'webhook':
      return `webhook ${new URL(t.url).host}`;
    case 'command':
      return `command ${basename(t.argv[0]!)}`;
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
