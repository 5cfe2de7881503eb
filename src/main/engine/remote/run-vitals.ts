// One vitals run in the control shell: a fresh nonce (in the environment, so the cached script stays the
// same from tick to tick), the answer kept as bytes, then read.

import { randomBytes } from 'node:crypto';
import type { SshSession } from '../ssh';
import { NONCE_VAR, newNonce } from './frame';
import { parseVitalsOutput, type VitalsReading } from './vitals-parse';
import type { VitalsRequest } from './vitals-script';

export async function runVitals(
  session: Pick<SshSession, 'run'>,
  req: VitalsRequest,
  script: string,
  timeoutMs: number,
): Promise<VitalsReading> {
  const nonce = newNonce(randomBytes);
  const r = await session.run(script, { timeoutMs, env: { [NONCE_VAR]: nonce }, encoding: 'latin1' });
  return parseVitalsOutput(req, Buffer.from(r.stdout, 'latin1'), nonce);
}
