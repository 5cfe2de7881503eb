// What a notification about an alert says, the same in the Electron shell (native notifications) and
// in the browser of `vigil serve` (the Notification API): "SlowFast has stalled" over the reason.

import type { AlertEvent, AlertKind } from './contract';

const HEADLINE: Record<AlertKind, string> = {
  stalled: 'has stalled',
  unreachable: 'is unreachable',
  diverged: 'has diverged (loss NaN or exploding)',
  failed: 'has failed',
  error: 'cannot be monitored',
  finished: 'has finished',
  recovered: 'is back to normal',
  reminder: 'still needs attention',
  warning: 'may be at risk',
  back: 'answers again',
  slowdown: 'has slowed down',
};

const HEADLINE_MANY: Record<AlertKind, string> = {
  stalled: 'have stalled',
  unreachable: 'are unreachable',
  diverged: 'have diverged (loss NaN or exploding)',
  failed: 'have failed',
  error: 'cannot be monitored',
  finished: 'have finished',
  recovered: 'are back to normal',
  reminder: 'still need attention',
  warning: 'may be at risk',
  back: 'answer again',
  slowdown: 'have slowed down',
};

/** "I3D", "I3D and SlowFast", "I3D, SlowFast and 2 more". */
export function namesText(names: readonly string[]): string {
  if (names.length <= 2) return names.join(' and ');
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]}`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} more`;
}

/**
 * A host's alert: "ec2: memory nearly exhausted" over what to do, and the workers it concerns; "ec2
 * answers again" over the summary of its silence.
 */
function hostNotification(alert: AlertEvent & { host: string }): {
  title: string;
  body: string;
  silent: boolean;
} {
  const names = alert.workers ?? [alert.worker];
  const text = alert.message.startsWith(`${alert.host}: `)
    ? alert.message.slice(alert.host.length + 2)
    : alert.message;
  if (alert.kind === 'back') return { title: `${alert.host} answers again`, body: text, silent: false };
  const colon = text.indexOf(': ');
  const headline = colon > 0 && colon < 60 ? text.slice(0, colon) : 'warning';
  const rest = colon > 0 && colon < 60 ? text.slice(colon + 2) : text;
  return { title: `${alert.host}: ${headline}`, body: `${rest}\n(${namesText(names)})`, silent: false };
}

export function notificationText(alert: AlertEvent): { title: string; body: string; silent: boolean } {
  if (alert.host !== undefined && (alert.kind === 'warning' || alert.kind === 'back'))
    return hostNotification({ ...alert, host: alert.host });
  const names = alert.workers && alert.workers.length > 1 ? alert.workers : [alert.worker];
  return {
    title: `${namesText(names)} ${names.length > 1 ? HEADLINE_MANY[alert.kind] : HEADLINE[alert.kind]}`,
    body: alert.message,
    // Good news does not need a sound.
    silent: alert.kind === 'finished' || alert.kind === 'recovered',
  };
}
