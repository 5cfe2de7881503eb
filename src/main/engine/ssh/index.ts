// The SSH adapter: the ssh2 implementation of the SshConnector port, and the helpers the engine needs to
// build remote commands and paths safely.
export { type AuthPlan, authFailure, planAuth } from './auth';
export { createSsh2Connector, hostKeyAlgorithms, type Ssh2ConnectorOptions } from './connection';
export {
  checkHostKey,
  fingerprint,
  type HostKeyQuery,
  type HostKeyVerdict,
  type KnownHostEntry,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from './known-hosts';
export { joinRemote, RemotePathError, remotePath, shQuote } from './shell-quote';
export * from './types';
