// Alerts relayed beyond the app: ntfy, Slack, webhooks and commands, through a durable outbox in the
// data folder (at-least-once, each alert with an idempotency key), with backoff and redacted states.

export { judgeCommand, judgeError, judgeHttp, RETRY } from './backoff';
export { OUTBOX_FILE, Outbox } from './outbox';
export { OUTBOX_MAX_ALERTS } from './outbox-log';
export { LATE_AFTER_MS } from './payloads';
export { Relay, type RelayOptions, toRelayAlert } from './relay';
export { loadRelayState, type SavedRelayState } from './state-file';
export type { CommandPort, HttpPort, HttpRequest, HttpResponse, RelayAlert, RelayPorts } from './types';
