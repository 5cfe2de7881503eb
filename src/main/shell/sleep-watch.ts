// The laptop's sleep as the shell sees it: alerts raised while asleep or just after waking are held
// back, every host is polled at once on waking, and after a settling delay one notification sums up
// what changed (summarizeResume) instead of a burst of alerts.

import type { Clock } from '../../shared/clock';
import type { FleetSnapshot } from '../../shared/model';
import type { NotificationKeeper } from './notification-keeper';
import { summarizeResume } from './resume-summary';
import type { ShellDeps } from './shell-deps';

export interface SleepWatch {
  /** True from suspend until the resume summary has been made: alerts are folded into it. */
  asleep(): boolean;
}

export function watchSleep(
  deps: Pick<ShellDeps, 'powerMonitor' | 'pollNow' | 'resumeSettleMs' | 'createNotification'>,
  clock: Clock,
  latest: () => FleetSnapshot | null,
  keeper: NotificationKeeper,
): SleepWatch {
  let suspendedAt: number | null = null;
  let beforeSleep: FleetSnapshot | null = null;
  deps.powerMonitor.on('suspend', () => {
    suspendedAt = clock.now();
    beforeSleep = latest();
  });
  deps.powerMonitor.on('resume', () => {
    const since = suspendedAt ?? clock.now();
    deps.pollNow?.();
    clock.setTimeout(() => {
      const before = beforeSleep;
      const after = latest();
      suspendedAt = null;
      beforeSleep = null;
      if (!before || !after) return;
      const summary = summarizeResume(before, after, clock.now() - since);
      if (!summary) return;
      const n = deps.createNotification({ ...summary, silent: false });
      keeper.keep(n);
      n.show();
    }, deps.resumeSettleMs ?? 20_000);
  });
  return { asleep: () => suspendedAt !== null };
}
