// How a hop's failures are worded. Every failure becomes an SshError of a definite kind, because the engine
// turns kinds into health states and `vigil doctor` shows them with the fix to try.

import { type AuthPlan, authFailure } from './auth';
import { type Ssh2Error, secs, target } from './describe';
import type { HostKeyVerdict } from './known-hosts';
import { type ConnectStep, type ResolvedHost, SshError } from './types';

/** What a hop had got to when it failed: the same ssh2 error means different things at different stages. */
export interface HopProgress {
  readonly host: ResolvedHost;
  readonly stage: ConnectStep;
  /** The host-key check's verdict, once the server has shown its key. */
  readonly verdict: HostKeyVerdict | null;
  /** The authentication plan, once the handshake has started. */
  readonly plan: AuthPlan | null;
  /** ssh2's complaints about single authentication attempts. */
  readonly authNotes: readonly string[];
}

const NOT_ANSWERING_FIX =
  'The host accepts connections but does not answer: it may be overloaded, or the port is not SSH.';

/** The hop's own bound ran out (DNS included). */
export function hopTimeout(host: ResolvedHost, stage: ConnectStep): SshError {
  return new SshError(
    'timeout',
    `no answer from ${target(host)} within ${secs(host.connectTimeoutMs)} (during ${stage})`,
    stage === 'resolve' || stage === 'tcp'
      ? 'Check that the host is up and reachable (VPN, security group, firewall).'
      : NOT_ANSWERING_FIX,
  );
}

export function resolveFailed(hostname: string, err: unknown): SshError {
  return new SshError(
    'resolve',
    `cannot resolve ${hostname}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    'Check the HostName (typo? VPN or DNS down?).',
  );
}

export function tcpFailed(address: string, port: number, err: NodeJS.ErrnoException): SshError {
  return new SshError(
    'tcp',
    `cannot connect to ${address}:${port}: ${err.code ?? err.message}`,
    err.code === 'ECONNREFUSED'
      ? `Nothing listens on port ${port}: check the Port, and that sshd runs.`
      : 'Check the network route to the host (VPN, security group, firewall).',
  );
}

/** The jump host refused to open a channel to `host`: a name it cannot resolve, or a connect failure. */
export function jumpForwardFailed(host: ResolvedHost, err: Error): SshError {
  const nameFailed = /resolve|name|known/i.test(err.message);
  return new SshError(
    nameFailed ? 'resolve' : 'tcp',
    `the jump host could not reach ${host.hostname}:${host.port}: ${err.message}`,
    'Check the host name and port as seen from the jump host.',
  );
}

/** An error about one authentication attempt (an agent hiccup, one key refused): ssh2 goes on to the next. */
export function isAuthAttemptNote(err: Ssh2Error): boolean {
  return (
    err.level === 'agent' || (err.level === 'client-authentication' && !/All configured/.test(err.message))
  );
}

/** An ssh2 `error` (or, with null, a `close`) while connecting, read in the light of how far the hop got. */
export function classifyHopError(hop: HopProgress, err: Ssh2Error | null): SshError {
  const { host, stage, verdict } = hop;
  const where = target(host);
  if (verdict && !verdict.ok) return new SshError(verdict.kind, verdict.message, verdict.fix);
  const why = err?.message ?? 'the server closed the connection';
  if (err?.level === 'client-timeout') {
    return new SshError(
      'timeout',
      `no SSH answer from ${where} within ${secs(host.connectTimeoutMs)} (during ${stage})`,
      NOT_ANSWERING_FIX,
    );
  }
  if (stage === 'auth') return authFailed(hop, why);
  if (stage === 'shell')
    return new SshError('lost', `connection to ${where} lost while starting the shell: ${why}`);
  return new SshError(
    'handshake',
    `SSH handshake with ${where} failed: ${why}`,
    'Check that the port is an SSH server and that it supports a modern key exchange (OpenSSH ≥ 7).',
  );
}

/** No credential was accepted: what was tried and skipped, plus ssh2's reason and notes when they add something. */
function authFailed(hop: HopProgress, why: string): SshError {
  const { host, plan, authNotes } = hop;
  const e = authFailure(plan!, { user: host.user, host: host.hostname, port: host.port });
  const extra = /All configured/.test(why) ? '' : ` (${why})`;
  const notes = authNotes.length ? ` Notes: ${authNotes.join('; ')}.` : '';
  return new SshError(e.kind, e.message + extra + notes, e.fix);
}
