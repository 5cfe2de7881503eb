// In-page alerts (the web UI has no native notifications): newest first, each can open its worker.

import { useSlice, useStores } from '../stores/context';

export function AlertBanner() {
  const alerts = useSlice(
    (s) => s.alerts,
    (a) => a.alerts,
  );
  const stores = useStores();
  if (alerts.length === 0) return null;
  return (
    <section className="alerts" aria-label="Alerts">
      {alerts.map((a) => (
        <div key={a.id} className={`alert alert-${a.kind}`} role="alert">
          <span className="alert-text">
            {a.host !== undefined ? (
              // A host's alert: its message already starts with the host.
              <>
                <strong>{a.kind === 'back' ? 'answers again' : 'warning'}</strong> {a.message}
              </>
            ) : a.kind === 'slowdown' ? (
              // "SlowFast is 2.3× slower …": the message names the worker already.
              <>
                <strong>{a.worker}</strong> {a.message.replace(`${a.worker} `, '')}
              </>
            ) : (
              <>
                <strong>{(a.workers ?? [a.worker]).join(', ')}</strong> {a.kind}: {a.message}
              </>
            )}
          </span>
          <button
            type="button"
            onClick={() => {
              stores.navigation.getState().open(a.worker);
              stores.alerts.getState().dismiss(a.id);
            }}
          >
            Show
          </button>
          <button
            type="button"
            aria-label={`Dismiss alert for ${a.worker}`}
            onClick={() => stores.alerts.getState().dismiss(a.id)}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
