// Browser notifications for `vigil serve`'s page (the Notification API): the same alert events, with
// the same words, as the Electron shell's native notifications (shared/alert-text.ts). Permission is
// asked only from a click on "Notify me" — browsers refuse (or remember as a refusal) a prompt that
// comes without a gesture — and never in the Electron popover, whose shell notifies natively.

import { notificationText } from '../shared/alert-text';
import type { AlertEvent } from '../shared/contract';

export type NotifyPermission = 'default' | 'granted' | 'denied' | 'unsupported';

/** What Vigil uses of the browser's Notification (window.Notification), injected for tests. */
export interface NotificationCtor {
  readonly permission: 'default' | 'granted' | 'denied';
  requestPermission(): Promise<'default' | 'granted' | 'denied'>;
  new (
    title: string,
    options: { body: string; tag?: string; silent?: boolean },
  ): { onclick: ((this: unknown, ev: unknown) => unknown) | null; close(): void };
}

export interface WebNotifier {
  permission(): NotifyPermission;
  /** Asks the browser, once, from a user gesture. */
  request(): Promise<NotifyPermission>;
  /** Shows one alert, when allowed. */
  notify(alert: AlertEvent): void;
  /** Told when the permission changes (the button hides itself). */
  subscribe(fn: () => void): () => void;
}

export function createWebNotifier(
  api: NotificationCtor | undefined,
  /** A click on a notification brings the page forward on that worker. */
  openWorker: (worker: string) => void,
): WebNotifier {
  const listeners = new Set<() => void>();
  const permission = (): NotifyPermission => (api ? api.permission : 'unsupported');
  return {
    permission,
    async request() {
      if (api?.permission !== 'default') return permission();
      try {
        await api.requestPermission();
      } catch {
        // An old Safari takes a callback and returns nothing; the permission below says how it went.
      }
      for (const fn of listeners) fn();
      return permission();
    },
    notify(alert) {
      if (api?.permission !== 'granted') return;
      const { title, body, silent } = notificationText(alert);
      try {
        // The tag is the alert's idempotency key: the same episode told twice (a reconnect) shows once.
        const n = new api(title, { body, silent, ...(alert.key ? { tag: alert.key } : {}) });
        n.onclick = () => {
          openWorker(alert.worker);
          n.close();
        };
      } catch {
        // Chrome on Android allows notifications only from a service worker: the in-page banner remains.
      }
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
