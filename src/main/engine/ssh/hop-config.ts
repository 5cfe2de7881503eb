// What ssh2 is told for one hop: the transport, the bounds and keepalive, which host keys to ask for and
// how to check the one shown, and how to authenticate.

import type { Duplex } from 'node:stream';
import type { ConnectConfig } from 'ssh2';
import { type AuthPlan, authHandler } from './auth';
import { target } from './describe';
import { hostKeyAlgorithms } from './host-key-algorithms';
import {
  checkHostKey,
  type HostKeyQuery,
  type HostKeyVerdict,
  keyTypeOfBlob,
  knownKeyTypes,
} from './known-hosts';
import type { ResolvedHost } from './types';

/** The host key the server showed, and the known_hosts verdict on it. */
export interface HostKeySeen {
  type: string;
  key: Buffer;
  verdict: HostKeyVerdict;
}

/** ssh2's ConnectConfig for `host` over `transport`. `onHostKey` answers whether to go on to authentication. */
export function hopConfig(
  host: ResolvedHost,
  transport: Duplex,
  plan: AuthPlan,
  onHostKey: (seen: HostKeySeen) => boolean,
  debug: ((line: string) => void) | undefined,
): ConnectConfig {
  const query = hostKeyQuery(host);
  return {
    sock: transport,
    username: host.user,
    readyTimeout: host.connectTimeoutMs,
    // Off by default in ssh2: without it a frozen host hangs every request forever.
    keepaliveInterval: host.keepaliveIntervalMs,
    keepaliveCountMax: host.keepaliveCountMax,
    algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(query)) },
    authHandler: authHandler(plan),
    hostVerifier: (key: Buffer) => {
      const type = keyTypeOfBlob(key) ?? 'unknown';
      return onHostKey({ type, key, verdict: checkHostKey(query, type, key) });
    },
    debug,
  };
}

/** The known_hosts lookup for `host`; the user and the jump chain only spell the fix command. */
function hostKeyQuery(host: ResolvedHost): HostKeyQuery {
  return {
    files: host.knownHostsFiles,
    host: host.hostname,
    port: host.port,
    hostKeyAlias: host.hostKeyAlias,
    user: host.user,
    jump: host.proxyJump.map(target).join(',') || undefined,
  };
}
