// One probe run: a fresh nonce per run (in the environment, so the cached script stays the same), the
// answer kept as bytes (names need not be UTF-8, and lengths are counted in bytes), then read.

import { randomBytes } from 'node:crypto';
import type { SshSession } from '../ssh';
import { NONCE_VAR, newNonce } from './frame';
import { type ProbeRequest, type ProbeResult, parseProbeOutput } from './probe';

export async function runProbe(
  session: Pick<SshSession, 'run'>,
  req: ProbeRequest,
  script: string,
  timeoutMs?: number,
): Promise<ProbeResult> {
  const nonce = newNonce(randomBytes);
  const r = await session.run(script, { timeoutMs, env: { [NONCE_VAR]: nonce }, encoding: 'latin1' });
  return parseProbeOutput(req, Buffer.from(r.stdout, 'latin1'), nonce);
}
