// The alert kinds a relay target can take (`alerts.notify[].kinds`), written once. Most are the
// engine's alert kinds (shared/schemas.ts alertKindSchema). Two are accepted ahead of the engine:
// `diverged` (a NaN or exploding loss, a status of its own once it exists) and `warnings` (host
// vitals: disk, memory, GPU). A config naming them loads today and their alerts flow once the engine
// raises them. To add a kind: add it here, and to DEFAULT_NOTIFY_KINDS if it is a problem.

export const NOTIFY_KINDS = [
  'stalled',
  'unreachable',
  'failed',
  'diverged',
  'error',
  'finished',
  'recovered',
  'reminder',
  'warnings',
] as const;

export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** A target without `kinds`: every problem, its reminders, and finished runs (not "recovered"). */
export const DEFAULT_NOTIFY_KINDS: readonly NotifyKind[] = [
  'stalled',
  'unreachable',
  'failed',
  'diverged',
  'error',
  'reminder',
  'finished',
];

export const isNotifyKind = (value: string): value is NotifyKind =>
  (NOTIFY_KINDS as readonly string[]).includes(value);
