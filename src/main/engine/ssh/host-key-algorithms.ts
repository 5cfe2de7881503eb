// Which host-key algorithms to offer, in which order. The server picks the first one both sides support, so
// the order decides which of its keys it shows us, and so whether a host known by another key type looks changed.

import type { ServerHostKeyAlgorithm } from 'ssh2';

/** ssh2's host-key algorithms, in its default order; a known key type expands to the algorithms that use it. */
const HOST_KEY_ALGOS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
const ALGOS_FOR_KEY_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** Known key types first (as OpenSSH orders them), then the rest, so a known host never looks changed. */
export function hostKeyAlgorithms(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes.flatMap((t) => ALGOS_FOR_KEY_TYPE[t] ?? []);
  return [...new Set([...first, ...HOST_KEY_ALGOS])];
}
