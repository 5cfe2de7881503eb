// Electron drops a Notification's handlers (and on macOS may withdraw it) once the object is garbage
// collected: every notification is held until it is clicked or closed — at most `max` of them, the
// oldest let go first, so a night of alerts nobody dismissed cannot grow without bound.

import type { NotificationLike } from './alert-notifications';

export interface NotificationKeeper {
  keep(n: NotificationLike): void;
  size(): number;
}

export const MAX_KEPT_NOTIFICATIONS = 32;

export function createNotificationKeeper(max = MAX_KEPT_NOTIFICATIONS): NotificationKeeper {
  const live = new Set<NotificationLike>();
  return {
    keep(n) {
      live.add(n);
      n.on('click', () => live.delete(n));
      n.on('close', () => live.delete(n));
      for (const oldest of live) {
        if (live.size <= max) break;
        live.delete(oldest);
      }
    },
    size: () => live.size,
  };
}
