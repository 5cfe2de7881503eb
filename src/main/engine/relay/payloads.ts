// What each target receives, as pure functions of the alert, the target, its secret and the time of
// sending: ntfy's JSON publish (title, message, priority by kind, tags, click), Slack's incoming-webhook
// text, a signed JSON webhook, or a command's stdin. Every request carries the alert's idempotency key;
// an alert sent long after it happened says so, with the time it happened.

import { createHmac } from 'node:crypto';
import type { NotifyTarget } from '../config';
import type { AlertWorkerView, RelayAlert } from './types';

/** Sent more than this after it happened, an alert is marked late. */
export const LATE_AFTER_MS = 60_000;

export type Delivery =
  | { kind: 'http'; url: string; headers: Record<string, string>; body: string }
  | { kind: 'command'; argv: string[]; stdin: string };

const HEADLINE: Record<string, string> = {
  stalled: 'stalled',
  unreachable: 'unreachable',
  failed: 'failed',
  diverged: 'diverged (loss not finite)',
  error: 'cannot be watched',
  finished: 'finished',
  recovered: 'recovered',
  reminder: 'still has a problem',
  warnings: 'host warning',
};

const NTFY_TAGS: Record<string, string> = {
  stalled: 'hourglass',
  unreachable: 'electric_plug',
  failed: 'x',
  diverged: 'chart_with_downwards_trend',
  error: 'warning',
  finished: 'white_check_mark',
  recovered: 'green_heart',
  reminder: 'bell',
  warnings: 'warning',
};

const NTFY_PRIORITY = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 } as const;

/** ms the alert is late by, or null when it is on time. */
export function lateBy(alert: RelayAlert, sentAt: number): number | null {
  const late = sentAt - Date.parse(alert.at);
  return late > LATE_AFTER_MS ? late : null;
}

export function title(alert: RelayAlert): string {
  const names =
    alert.workers.length > 3
      ? `${alert.workers.slice(0, 3).join(', ')} and ${alert.workers.length - 3} more`
      : alert.workers.join(', ');
  return `${names} ${HEADLINE[alert.kind] ?? alert.kind}`;
}

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

/** "epoch 12/50 · step 1200 · loss 0.412 · last progress 2026-11-29 03:12 UTC" */
export function valuesLine(v: AlertWorkerView): string {
  const parts: string[] = [];
  if (v.epoch !== null) parts.push(`epoch ${v.epoch}${v.totalEpochs !== null ? `/${v.totalEpochs}` : ''}`);
  if (v.step !== null) parts.push(`step ${v.step}`);
  if (v.loss !== null)
    parts.push(
      `${v.lossMetric ?? 'loss'} ${typeof v.loss === 'number' ? Number(v.loss.toPrecision(4)) : v.loss}`,
    );
  if (v.lastProgressAt) parts.push(`last progress ${utc(v.lastProgressAt)}`);
  return parts.join(' · ');
}

/** The message body as text: the reason, each worker's newest values, and a late note. */
export function messageText(alert: RelayAlert, sentAt: number): string {
  const lines = [alert.message];
  for (const v of alert.views.slice(0, 10)) {
    const values = valuesLine(v);
    lines.push(`${alert.views.length > 1 ? `${v.name}: ` : ''}${v.host}${values ? ` · ${values}` : ''}`);
  }
  const late = lateBy(alert, sentAt);
  if (late !== null)
    lines.push(`Sent late: it happened at ${utc(alert.at)}, ${minutes(late)} before this message.`);
  return lines.join('\n');
}

/** The key in a header: worker names may hold any character; the header is kept to ASCII. */
export const headerKey = (key: string): string => encodeURI(key);

/** The JSON the webhook and the command receive. */
export function alertJson(alert: RelayAlert, sentAt: number): string {
  const late = lateBy(alert, sentAt);
  return JSON.stringify({
    key: alert.key,
    alert: {
      kind: alert.kind,
      worker: alert.worker,
      workers: alert.workers,
      message: alert.message,
      at: alert.at,
    },
    workers: alert.views,
    sentAt: new Date(sentAt).toISOString(),
    late: late !== null,
  });
}

export const signature = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const PROBLEM = new Set(['stalled', 'unreachable', 'failed', 'diverged', 'error', 'warnings']);

function ntfy(
  target: Extract<NotifyTarget, { type: 'ntfy' }>,
  alert: RelayAlert,
  token: string | undefined,
  sentAt: number,
): Delivery {
  // ntfy's JSON publish goes to the server's root with the topic inside: no header encoding limits.
  const url = new URL(target.url);
  const segments = url.pathname.split('/');
  const topic = decodeURIComponent(segments.pop() || segments.pop() || '');
  url.pathname = `${segments.join('/')}/`;
  const priority = PROBLEM.has(alert.kind)
    ? NTFY_PRIORITY[target.priority ?? 'high']
    : alert.kind === 'recovered'
      ? NTFY_PRIORITY.low
      : NTFY_PRIORITY.default;
  const body = JSON.stringify({
    topic,
    title: `${lateBy(alert, sentAt) !== null ? '(late) ' : ''}${title(alert)}`,
    message: messageText(alert, sentAt),
    priority,
    tags: [NTFY_TAGS[alert.kind] ?? 'bell', 'vigil', alert.kind],
    ...(target.click ? { click: target.click } : {}),
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'idempotency-key': headerKey(alert.key),
  };
  if (token) headers.authorization = `Bearer ${token}`;
  return { kind: 'http', url: url.toString(), headers, body };
}

/** Slack's mrkdwn needs &, < and > escaped. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function buildDelivery(
  target: NotifyTarget,
  alert: RelayAlert,
  secret: string | undefined,
  sentAt: number,
): Delivery {
  switch (target.type) {
    case 'ntfy':
      return ntfy(target, alert, secret, sentAt);
    case 'slack': {
      const [reason, ...rest] = messageText(alert, sentAt).split('\n');
      const text = [
        `*${slackEscape(title(alert))}* — ${slackEscape(reason ?? '')}`,
        ...rest.map(slackEscape),
      ].join('\n');
      return {
        kind: 'http',
        url: secret ?? '',
        headers: { 'content-type': 'application/json', 'idempotency-key': headerKey(alert.key) },
        body: JSON.stringify({ text }),
      };
    }
    case 'webhook': {
      const body = alertJson(alert, sentAt);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': headerKey(alert.key),
      };
      if (secret) headers['x-vigil-signature'] = signature(secret, body);
      return { kind: 'http', url: target.url, headers, body };
    }
    case 'command':
      return { kind: 'command', argv: target.argv, stdin: alertJson(alert, sentAt) };
  }
}
