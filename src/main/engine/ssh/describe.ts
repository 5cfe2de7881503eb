// Wording shared by the adapter's messages, and the shape of the errors ssh2 emits.

import type { ResolvedHost } from './types';

/** An error as ssh2 emits it: `level` says where it arose (client-socket, client-timeout, agent, …). */
export type Ssh2Error = Error & { level?: string; code?: string | number; reason?: number };

/** `user@hostname:port`: how messages name the far end of a hop. */
export function target(host: ResolvedHost): string {
  return `${host.user}@${host.hostname}:${host.port}`;
}

/** A duration for messages, to a tenth of a second: `1.5 s`. */
export function secs(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
