// `vigil doctor`'s follow-mode check: starts the real follower over no files, waits for its start mark,
// stops it, and says whether the host's files will be streamed (and how) or polled (and why).

import { randomBytes } from 'node:crypto';
import {
  FOLLOW_ENV,
  FOLLOW_LAUNCH,
  FOLLOWER_PY,
  FollowStreamReader,
  NONCE_VAR,
  newNonce,
} from '../engine/remote';
import type { SideStream, SshSession } from '../engine/ssh';
import type { CheckReport } from './doctor-host';

const STEP = 'follow mode';
const START_MS = 10_000;

export async function checkFollow(
  r: CheckReport,
  session: SshSession,
  enabled: boolean,
  pollMs: number,
): Promise<void> {
  const polled = `Vigil polls this host every ${pollMs / 1000} s instead`;
  if (!enabled) {
    r.skip(STEP, `follow: false in the config: ${polled.replace(' instead', '')}`);
    return;
  }
  if (!session.startStream) {
    r.warn(STEP, 'this connection cannot carry a stream', polled);
    return;
  }
  const nonce = newNonce(randomBytes);
  const t0 = Date.now();
  let stream: SideStream | null = null;
  try {
    const launched = await session.startStream(FOLLOW_LAUNCH, {
      timeoutMs: START_MS,
      env: { [NONCE_VAR]: nonce, [FOLLOW_ENV.source]: FOLLOWER_PY, [FOLLOW_ENV.files]: '' },
    });
    stream = launched.stream;
    const pid = /^started (\d+)$/m.exec(launched.result.stdout)?.[1];
    if (!pid) {
      const why = launched.result.stdout.trim().replace(/^unsupported: /, '');
      r.warn(
        STEP,
        `not available: ${why}; ${polled}`,
        'install python3 on the host (sudo apt-get install -y python3)',
      );
      return;
    }
    const started = await startMark(stream, nonce);
    await session.run(`kill ${pid} 2>/dev/null; true`, { timeoutMs: 5000 }).catch(() => undefined);
    const ms = Date.now() - t0;
    if (started.mode !== null && started.pipe === null)
      r.warn(
        STEP,
        `the follower cannot take vitals requests (no private folder in $XDG_RUNTIME_DIR, $TMPDIR or /tmp): a script reads the vitals every tick instead`,
        'make $TMPDIR (or /tmp) writable for this user on the host',
      );
    if (started.mode === 'inotify')
      r.ok(STEP, `the follower started in ${ms} ms (python3, inotify): new lines arrive as they are written`);
    else if (started.mode === 'poll')
      r.warn(
        STEP,
        `the follower runs without inotify: it checks the files twice a second (started in ${ms} ms)`,
        'nothing needed; on Linux, python3 with ctypes gives it inotify',
      );
    else
      r.warn(
        STEP,
        `the follower did not start: ${started.why}; ${polled}`,
        'check `python3 -c "import ctypes"` on the host',
      );
  } catch (e) {
    r.warn(
      STEP,
      `the follower could not be started: ${(e as Error).message}; ${polled}`,
      'check the host answers commands (uptime)',
    );
  } finally {
    stream?.close();
  }
}

function startMark(
  stream: SideStream,
  nonce: string,
): Promise<{ mode: string | null; pipe: string | null; why: string }> {
  const reader = new FollowStreamReader(nonce, { files: 0 });
  return new Promise((resolve) => {
    const done = (mode: string | null, why: string, pipe: string | null = null) => {
      clearTimeout(timer);
      resolve({ mode, pipe, why });
    };
    const timer = setTimeout(() => done(null, `no start mark within ${START_MS / 1000} s`), START_MS);
    stream.onData((chunk) => {
      for (const e of reader.push(chunk)) if (e.kind === 'start') return done(e.mode, '', e.pipe);
      if (reader.error) done(null, reader.error);
    });
    stream.onEnd((why) => done(null, `${why}${reader.noise.length ? ` (${reader.noise.join(' / ')})` : ''}`));
  });
}
