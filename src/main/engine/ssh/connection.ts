// The ssh2 adapter of the SshConnector port. One connection per host: resolve, TCP, handshake, host key,
// authentication, then a long-lived control shell. Every failure becomes an SshError of a definite kind,
// because the engine turns kinds into health states (unreachable, auth-failed, host-key-mismatch) and
// `vigil doctor` shows them step by step.
//
// The work is split by step: hop.ts opens one client (hop-errors.ts words its failures), chain.ts goes
// through jump hosts, session.ts is the open connection.

import { openChain } from './chain';
import { stepper, whenAborted } from './connect-options';
import { secs } from './describe';
import { Ssh2Session } from './session';
import {
  type ConnectOptions,
  type ResolvedHost,
  type SshConnector,
  SshError,
  type SshSession,
} from './types';

export { hostKeyAlgorithms } from './host-key-algorithms';

export interface Ssh2ConnectorOptions {
  /** ssh-agent socket; defaults to SSH_AUTH_SOCK at connect time. null: no agent. */
  agentSock?: string | null;
  /** Bound on one SFTP read (open + reads + close). Default 30 s. */
  readTimeoutMs?: number;
  /** ssh2 protocol debug lines (never contain key material). */
  debug?: (line: string) => void;
}

const DEFAULT_READ_TIMEOUT_MS = 30_000;

export function createSsh2Connector(options: Ssh2ConnectorOptions = {}): SshConnector {
  const connector = { readTimeoutMs: DEFAULT_READ_TIMEOUT_MS, ...options };
  return {
    async connect(host: ResolvedHost, opts: ConnectOptions = {}): Promise<SshSession> {
      const opened = await openChain(host, { agentSock: connector.agentSock, debug: connector.debug, opts });
      const session = new Ssh2Session(host, opened.client, opened.jumps, connector.readTimeoutMs);
      const step = stepper(opts, '');
      try {
        await startShell(session, host, opened.remainingMs, opts.signal);
      } catch (err) {
        session.close();
        step('shell', false, (err as Error).message);
        throw err;
      }
      step('shell', true, `remote shell ready (home ${session.home})`);
      return session;
    },
  };
}

/** The shell is part of connecting: bounded by what is left of the connect bound, and abortable. */
async function startShell(
  session: Ssh2Session,
  host: ResolvedHost,
  remainingMs: () => number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let stopAbortWatch = () => {};
  try {
    await Promise.race([
      session.init(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new SshError(
                'timeout',
                `${host.name} logged in but its shell did not answer within ${secs(host.connectTimeoutMs)}`,
                'The host is probably overloaded; a slow shell startup file (.bashrc) can also cause this.',
              ),
            ),
          Math.max(remainingMs(), 1),
        );
        stopAbortWatch = whenAborted(signal, reject);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    stopAbortWatch();
  }
}
