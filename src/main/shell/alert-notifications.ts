// One native notification per alert event. Episodes (one per transition, reminders, snooze) are the
// engine's business: it emits an `alert` only when one should be shown. Clicking opens that worker.

import { notificationText } from '../../shared/alert-text';
import type { AlertEvent } from '../../shared/contract';
import type { NotificationKeeper } from './notification-keeper';

// The texts are shared with the web UI's browser notifications (shared/alert-text.ts).
export { namesText, notificationText } from '../../shared/alert-text';

export interface NotificationLike {
  on(event: 'click' | 'close', listener: () => void): unknown;
  show(): void;
}

export type CreateNotification = (options: {
  title: string;
  body: string;
  silent?: boolean;
}) => NotificationLike;

export function createAlertNotifier(deps: {
  createNotification: CreateNotification;
  openWorker: (worker: string) => void;
  keeper: NotificationKeeper;
}): (alert: AlertEvent) => void {
  return (alert) => {
    const notification = deps.createNotification(notificationText(alert));
    // Held until clicked or closed (notification-keeper.ts): a collected one loses its click.
    deps.keeper.keep(notification);
    notification.on('click', () => deps.openWorker(alert.worker));
    notification.show();
  };
}
