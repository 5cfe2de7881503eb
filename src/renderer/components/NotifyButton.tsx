// "Notify me": the one place the web page asks for notification permission (on a click, once). Gone once
// the browser has an answer; a refusal is said, since only the browser's settings can undo it.

import { useEffect, useState } from 'react';
import type { WebNotifier } from '../web-notifications';

export function NotifyButton({ notifier }: { notifier: WebNotifier }) {
  const [permission, setPermission] = useState(notifier.permission());
  useEffect(() => notifier.subscribe(() => setPermission(notifier.permission())), [notifier]);
  if (permission === 'granted' || permission === 'unsupported') return null;
  if (permission === 'denied')
    return (
      <span className="notify-note" title="Allow notifications for this page in the browser's site settings">
        notifications blocked
      </span>
    );
  return (
    <button
      type="button"
      className="notify-me"
      title="Browser notifications when a run stalls, fails, finishes or slows down"
      onClick={() => {
        notifier.request().then(setPermission);
      }}
    >
      Notify me
    </button>
  );
}
