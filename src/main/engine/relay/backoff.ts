// Pure decisions about one delivery attempt: did it get through, and if not, why (in words a user can
// act on), when to try again and whether to give up. Retries back off exponentially with jitter, so
// many Vigils behind one outage do not retry in step; a receiver's Retry-After (429, 503) is honoured.

import type { CommandResult, HttpResponse } from './types';

export const RETRY = {
  /** First retry after about this long; doubles each failure. */
  baseMs: 2_000,
  /** Never wait longer than this between attempts (an offline laptop is retried soon after it is back). */
  capMs: 5 * 60_000,
  /** A Retry-After further out than this is capped (a misconfigured receiver must not park alerts). */
  retryAfterMaxMs: 60 * 60_000,
  /** A request (connect to last byte) or a command that takes longer is a failure. */
  timeoutMs: 15_000,
  /** A receiver that refuses this alert itself (400, 413, 422) gets this many tries, then it is dropped. */
  rejectedAttempts: 5,
} as const;

export type Verdict =
  | { delivered: true }
  | {
      delivered: false;
      /** What went wrong and what to do, for the UI, `vigil status` and the log. */
      error: string;
      retryInMs: number;
      /** The receiver will never take this alert: drop it for this target (counted). */
      giveUp: boolean;
    };

/** The delay before retry number `failures` (1 = after the first failure): 2 s, 4 s, 8 s … ≤ 5 min, ±jitter. */
export function backoffDelay(failures: number, random: () => number): number {
  const exp = Math.min(RETRY.capMs, RETRY.baseMs * 2 ** Math.max(0, Math.min(30, failures - 1)));
  // "Equal jitter": half fixed, half random, so a retry is never immediate and never in lock-step.
  return Math.round(exp / 2 + (exp / 2) * random());
}

/** Retry-After as a delay in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(RETRY.retryAfterMaxMs, Math.max(1000, ms));
}

/** How the target's secret is given, for "what to do" ("tokenFile", "webhookFile"…), if it has one. */
export interface Advice {
  secret: string | null;
}

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))} s`;

export function judgeHttp(
  res: Pick<HttpResponse, 'status' | 'headers' | 'body'>,
  failures: number,
  now: number,
  random: () => number,
  advice: Advice,
): Verdict {
  const { status } = res;
  if (status >= 200 && status < 300) return { delivered: true };
  const backoff = backoffDelay(failures, random);
  const detail = snippet(res.body);
  const fail = (error: string, retryInMs = backoff, giveUp = false): Verdict => ({
    delivered: false,
    error: detail ? `${error} (the receiver said: ${detail})` : error,
    retryInMs,
    giveUp,
  });
  if (status === 429 || status === 503) {
    const after = parseRetryAfter(res.headers['retry-after'], now);
    const why = status === 429 ? 'rate limited' : 'the receiver is unavailable';
    return after === null
      ? fail(`HTTP ${status}: ${why}; retrying in ${seconds(backoff)}`)
      : fail(`HTTP ${status}: ${why}; retrying after ${seconds(after)} as it asked (Retry-After)`, after);
  }
  if (status === 401 || status === 403)
    return fail(
      `HTTP ${status}: the receiver refused the credentials — ${advice.secret ? `check the secret in ${advice.secret}` : 'does it need a token?'}; retrying in ${seconds(backoff)}`,
    );
  if (status === 404 || status === 410)
    return fail(
      `HTTP ${status}: nothing at that address — check the url${advice.secret === 'webhookFile' || advice.secret === 'webhookEnv' ? ` (a revoked webhook: make a new one and put it in ${advice.secret})` : ''}; retrying in ${seconds(backoff)}`,
    );
  if (status === 400 || status === 413 || status === 422) {
    const giveUp = failures >= RETRY.rejectedAttempts;
    return fail(
      `HTTP ${status}: the receiver refused this alert${giveUp ? `; dropped after ${failures} tries` : `; retrying in ${seconds(backoff)}`}`,
      backoff,
      giveUp,
    );
  }
  if (status >= 300 && status < 400)
    return fail(
      `HTTP ${status}: redirected${res.headers.location ? ' elsewhere' : ''} — give the final address as the url (redirects are not followed)`,
    );
  if (status >= 500)
    return fail(`HTTP ${status}: the receiver has a problem; retrying in ${seconds(backoff)}`);
  return fail(`HTTP ${status}: not accepted; retrying in ${seconds(backoff)}`);
}

const TLS_CODES = /CERT|SELF_SIGNED|TLS|SSL|ERR_SSL|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/i;

/** A request that got no HTTP answer at all. */
export function judgeError(
  err: { code?: string; message: string },
  failures: number,
  random: () => number,
): Verdict {
  const retryInMs = backoffDelay(failures, random);
  const again = `; retrying in ${seconds(retryInMs)}`;
  const code = err.code ?? '';
  let error: string;
  if (code === 'ECONNREFUSED')
    error = `connection refused — is the receiver running at that address?${again}`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    error = `cannot resolve the receiver's host name — offline, or a wrong url?${again}`;
  else if (code === 'ETIMEDOUT') error = `no answer within ${seconds(RETRY.timeoutMs)}${again}`;
  else if (code === 'ENOENT') error = `cannot run the command: no such program — give its full path${again}`;
  else if (code === 'EACCES') error = `cannot run the command: permission denied (is it executable?)${again}`;
  else if (code === 'ECONNRESET' || code === 'EPIPE') error = `the connection was cut${again}`;
  else if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'ENETDOWN')
    error = `no route to the receiver (offline?)${again}`;
  else if (TLS_CODES.test(code) || TLS_CODES.test(err.message))
    error = `TLS: ${err.message} — the receiver's certificate is not trusted (self-signed, expired or for another name): give it one from a trusted CA, or trust its CA with NODE_EXTRA_CA_CERTS${again}`;
  else error = `${err.message}${again}`;
  return { delivered: false, error, retryInMs, giveUp: false };
}

/** A command target's run: exit 0 is delivered. */
export function judgeCommand(res: CommandResult, failures: number, random: () => number): Verdict {
  if (res.code === 0) return { delivered: true };
  const retryInMs = backoffDelay(failures, random);
  const how =
    res.signal === 'SIGKILL' || res.signal === 'SIGTERM'
      ? `did not finish within ${seconds(RETRY.timeoutMs)}`
      : res.signal
        ? `was killed by ${res.signal}`
        : `exited with ${res.code}`;
  const tail = snippet(res.stderr);
  return {
    delivered: false,
    error: `the command ${how}${tail ? `: ${tail}` : ''}; retrying in ${seconds(retryInMs)}`,
    retryInMs,
    giveUp: false,
  };
}

/** The start of a response body or stderr on one line, for a message (redacted by the caller). */
function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 157)}…` : one;
}
