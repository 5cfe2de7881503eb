// One vitals run in the control shell: a fresh nonce and what this tick asks in the environment (so the
// cached script stays the same from tick to tick), the answer kept as bytes, then read.

import { randomBytes } from 'node:crypto';
import type { SshSession } from '../ssh';
import { NONCE_VAR, newNonce } from './frame';
import { parseVitalsOutput, type VitalsReading } from './vitals-parse';
import { type VitalsRequest, vitalsEnv } from './vitals-script';

export async function runVitals(
  session: Pick<SshSession, 'run'>,
  req: VitalsRequest,
  script: string,
  timeoutMs: number,
): Promise<VitalsReading> {
  const nonce = newNonce(randomBytes);
  const env = { ...vitalsEnv(req), [NONCE_VAR]: nonce };
  const r = await session.run(script, { timeoutMs, env, encoding: 'latin1' });
  return parseVitalsOutput(req, Buffer.from(r.stdout, 'latin1'), nonce);
}
