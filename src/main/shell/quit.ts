// Quitting waits for the engine to stop — transfers ended (rsync keeps its partial data), cursors
// saved, the data folder's lock released — but never more than a bound: a host that hangs must not
// keep the app from quitting. The first 'before-quit' is held back, the engine stopped, then the app
// exits for real.

import type { Clock } from '../../shared/clock';
import type { Log } from './log-file';

export const QUIT_WAIT_MS = 5_000;

export interface QuitGuardDeps {
  stop(): Promise<void>;
  /** Quits without emitting before-quit again (Electron's app.exit). */
  exit(code: number): void;
  clock: Clock;
  log?: Pick<Log, 'info' | 'warn'>;
  timeoutMs?: number;
}

export function createQuitGuard(d: QuitGuardDeps): (event: { preventDefault(): void }) => void {
  let stopping = false;
  return (event) => {
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    const bound = d.timeoutMs ?? QUIT_WAIT_MS;
    let timer: { cancel(): void } | null = null;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = d.clock.setTimeout(() => resolve('timeout'), bound);
    });
    const stopped = d.stop().then(
      () => 'stopped' as const,
      (e: Error) => {
        d.log?.warn(`quit: the engine did not stop cleanly: ${e.message}`);
        return 'stopped' as const;
      },
    );
    void Promise.race([stopped, timedOut]).then((how) => {
      (timer as { cancel(): void } | null)?.cancel();
      if (how === 'timeout')
        d.log?.warn(`quit: the engine did not stop within ${bound / 1000} s; quitting anyway`);
      else d.log?.info('quit: engine stopped');
      d.exit(0);
    });
  };
}
