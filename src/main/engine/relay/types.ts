// What the relay moves and the ports it moves it through. Effects (HTTP, processes, secrets) come in as
// functions, so tests drive the relay against local receivers and a fake clock.

import type { NotifyTarget } from '../config';

/** One worker as an alert shows it: the newest values when the alert was raised (statusJson's form). */
export interface AlertWorkerView {
  name: string;
  host: string;
  status: string;
  reason: string;
  epoch: number | string | null;
  totalEpochs: number | string | null;
  step: number | string | null;
  loss: number | string | null;
  lossMetric: string | null;
  metrics: Record<string, number | string | null>;
  lastProgressAt: string | null;
  lastContactAt: string | null;
}

/** An alert as the outbox keeps it and every target receives it. */
export interface RelayAlert {
  /** Idempotency key: worker, episode and kind. Sent with every attempt, to every target. */
  key: string;
  kind: string;
  /** The first (or only) worker; `workers` names them all. */
  worker: string;
  workers: string[];
  message: string;
  /** ISO time it happened (the episode changed). */
  at: string;
  /** The workers when it happened. */
  views: AlertWorkerView[];
}

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The start of the body (for an error message). */
  body: string;
}

/** POSTs a request; rejects with an Error carrying `code` (ECONNREFUSED, ETIMEDOUT, a TLS code…). */
export type HttpPort = (req: HttpRequest) => Promise<HttpResponse>;

export interface CommandResult {
  code: number | null;
  signal: string | null;
  /** The end of its stderr. */
  stderr: string;
}

/** Runs argv (no shell) with `stdin`; rejects only when it cannot start (ENOENT, EACCES…). */
export type CommandPort = (argv: string[], stdin: string, timeoutMs: number) => Promise<CommandResult>;

export interface RelayPorts {
  http?: HttpPort;
  command?: CommandPort;
  /** Environment for `…Env` secrets (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Reads a `…File` secret (default: fs.readFileSync as utf8). */
  readFile?: (path: string) => string;
  random?: () => number;
  /** One line per change of a target's state (failing, back); never a secret. */
  log?: (line: string) => void;
}

export type { NotifyTarget };
