// The alert kinds a relay target can take (`alerts.notify[].kinds`), written once. Most are the
// engine's alert kinds (shared/schemas.ts alertKindSchema); a host's alerts go by `warnings` (its
// vitals warn: memory, disk, GPU, the OOM killer) and `recovered` (it answers again after a silence),
// see relay/routing.ts. To add a kind: add it here, and to DEFAULT_NOTIFY_KINDS if it is a problem.

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
  // A run slowed down (judge/slowdown.ts): a warning, not a problem, so only when a target asks for it.
  'slowdown',
] as const;

export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** A target without `kinds`: every problem, its reminders, host warnings and finished runs (not "recovered"). */
export const DEFAULT_NOTIFY_KINDS: readonly NotifyKind[] = [
  'stalled',
  'unreachable',
  'failed',
  'diverged',
  'error',
  'reminder',
  'finished',
  'warnings',
];

export const isNotifyKind = (value: string): value is NotifyKind =>
  (NOTIFY_KINDS as readonly string[]).includes(value);
