// Host vitals read by the follower (follower-script.ts) instead of the vitals script: the control shell
// writes one line to the follower's request pipe with a builtin (a fork of the shell, no new process),
// and the follower answers on its stream in the vitals script's own format, read by the same parser.
// A tick's cost on the host goes from `timeout` + `sh` + `awk` (+ `stat -f` or `ps`) to that fork and
// a few reads of /proc by a process already running. What stays the same from tick to tick (the roots,
// the folders) is sent only when it changes.

import type { SshSession } from '../ssh';
import { shQuote } from '../ssh';
import { parseVitalsOutput, type VitalsReading } from './vitals-parse';
import type { VitalsRequest } from './vitals-script';

/** A follower that takes vitals requests (see FollowLink). */
export interface VitalsCourier {
  /** The follower's nonce: its answers carry it as the vitals script's carry theirs. */
  readonly nonce: string;
  /** Its request pipe on the host. */
  readonly pipe: string;
  /** The request shape (vitalsShape) this follower holds, as sent. */
  shape: string | null;
  /** Waits for the answer to a request: its number, the answer, and how to stop waiting. */
  expect(): { seq: number; answer: Promise<Buffer>; cancel: () => void };
}

/** The follower cannot take requests (its pipe is gone): the vitals script should read them. */
export class FollowerCannotAsk extends Error {}

/** What stays the same from tick to tick: where /proc is, how each root is found, the folders. */
export function vitalsShape(req: VitalsRequest): string {
  const roots = req.roots.map((r) =>
    r.kind === 'pid-file' ? ['f', r.path] : r.kind === 'pattern' ? ['m', r.pattern] : ['n'],
  );
  return JSON.stringify({
    proc: req.procRoot,
    sys: req.sysRoot,
    roots,
    dirs: req.dirs,
    gt: Math.max(1, Math.round(req.gpuTimeoutS)),
  });
}

/** What this tick asks, as the follower reads it: its number, then z s d c g0|g1 and kI=PID,PID. */
export function vitalsAsk(req: VitalsRequest, seq: number): string {
  const words = [String(seq)];
  if (req.pageSize) words.push('z');
  if (req.scan) words.push('s');
  if (req.readDisks !== false) words.push('d');
  if (req.gpuCollect) words.push('c');
  if (req.gpuStart !== null) words.push(`g${req.gpuStart}`);
  req.roots.forEach((r, i) => {
    const pids =
      r.kind === 'pattern' && !req.scan ? r.pids.filter((p) => Number.isSafeInteger(p) && p > 0) : [];
    if (pids.length > 0) words.push(`k${i}=${pids.join(',')}`);
  });
  return words.join(' ');
}

/**
 * The script that hands a request to the follower: only if its pipe is still a pipe (opening a path
 * that is not would create a file), opened read-write so that the write never waits for a reader.
 */
export function requestScript(pipe: string): string {
  const p = shQuote(pipe);
  return `[ -p ${p} ] && printf '%s\\n' "$VIGIL_Q" 1<>${p} && echo sent`;
}

/**
 * One vitals reading through the follower. Throws FollowerCannotAsk when it cannot be asked, an Error
 * when it does not answer in time (the host's silence, as the script's would be).
 */
export async function runVitalsViaFollower(
  session: Pick<SshSession, 'run'>,
  courier: VitalsCourier,
  req: VitalsRequest,
  timeoutMs: number,
): Promise<VitalsReading> {
  const shape = vitalsShape(req);
  const { seq, answer, cancel } = courier.expect();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const line = `${courier.shape === shape ? '' : `=${shape}\n`}${vitalsAsk(req, seq)}`;
    const r = await session.run(requestScript(courier.pipe), {
      timeoutMs,
      env: { VIGIL_Q: line },
      builtin: true,
    });
    if (!/^sent$/m.test(r.stdout)) throw new FollowerCannotAsk('the follower’s request pipe is gone');
    courier.shape = shape;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the follower did not answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    return parseVitalsOutput(req, await Promise.race([answer, late]), courier.nonce);
  } finally {
    clearTimeout(timer);
    cancel();
  }
}
