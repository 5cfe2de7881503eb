// The whole UI: banner, then the worker list, one worker's detail or several compared. In the 420 px
// popover one of them fills it; in a wide browser window the list stays beside the other.

import { useEffect } from 'react';
import { type Clock, every, systemClock } from '../shared/clock';
import { AlertBanner } from './components/AlertBanner';
import { ConfigError } from './components/ConfigError';
import { CompareBar } from './components/compare/CompareBar';
import { CompareView } from './components/compare/CompareView';
import { EmptyState } from './components/EmptyState';
import { NotifyButton } from './components/NotifyButton';
import { RelayProblems } from './components/RelayProblems';
import { SummaryLine, usePageTitle } from './components/SummaryLine';
import { WorkerDetail } from './components/WorkerDetail';
import { WorkerList } from './components/WorkerList';
import { useSlice, useStores } from './stores/context';
import { useWideLayout } from './useWideLayout';
import type { WebNotifier } from './web-notifications';

/** " (try 3 in 4 s)", " (try 3 now)". */
function retryText(retry: { attempt: number; at: number } | null, now: number): string {
  if (!retry) return '';
  const s = Math.ceil((retry.at - now) / 1000);
  return ` (try ${retry.attempt}${s > 0 ? ` in ${s} s` : ' now'})`;
}

export function App({
  clock = systemClock,
  tickMs = 1000,
  notifier,
}: {
  clock?: Clock;
  tickMs?: number;
  /** Browser notifications (web mode only: the Electron shell notifies natively). */
  notifier?: WebNotifier;
}) {
  const stores = useStores();
  const snapshot = useSlice(
    (s) => s.fleet,
    (f) => f.snapshot,
  );
  const link = useSlice(
    (s) => s.fleet,
    (f) => f.link,
  );
  const retry = useSlice(
    (s) => s.fleet,
    (f) => f.retry,
  );
  const now = useSlice(
    (s) => s.clock,
    (c) => c.now,
  );
  const loadError = useSlice(
    (s) => s.fleet,
    (f) => f.loadError,
  );
  const clockNow = useSlice(
    (s) => s.clock,
    (c) => c.now,
  );
  const selected = useSlice(
    (s) => s.navigation,
    (n) => n.selected,
  );
  const lastOpened = useSlice(
    (s) => s.navigation,
    (n) => n.lastOpened,
  );
  const compared = useSlice(
    (s) => s.navigation,
    (n) => n.compared,
  );
  const wide = useWideLayout();

  // Relative times keep ticking without new data.
  useEffect(() => {
    stores.clock.setState({ now: clock.now() });
    const timer = every(clock, tickMs, () => stores.clock.setState({ now: clock.now() }));
    return () => timer.cancel();
  }, [stores, clock, tickMs]);

  const away = selected !== null || compared !== null;
  useEffect(() => {
    if (!away) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') stores.navigation.getState().back();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [away, stores]);

  // Back in the list, focus returns to the row that was open.
  useEffect(() => {
    if (away) return;
    const last = document.activeElement;
    if (last && last !== document.body) return;
    (document.querySelector('.worker-row[tabindex="0"]') as HTMLElement | null)?.focus();
  }, [away]);

  usePageTitle(snapshot?.workers ?? null);
  const worker = selected ? snapshot?.workers.find((w) => w.name === selected) : undefined;
  // In the order they were compared (the list's, for "Compare all"): the legend reads as the list.
  const inCompare = (compared ?? []).flatMap((name) => snapshot?.workers.find((w) => w.name === name) ?? []);
  const comparedWorkers = inCompare.length > 0 ? inCompare : undefined;
  return (
    // While the wire is down nothing shown is current: the list is greyed, never a live-looking all-clear.
    <main className={link === 'reconnecting' || link === 'lost' ? 'app link-down' : 'app'}>
      <header className="app-header">
        <h1>Vigil</h1>
        {notifier && <NotifyButton notifier={notifier} />}
        {link === 'lost' && (
          <span className="link-lost" role="status">
            Disconnected from Vigil — values may be out of date. If you restarted `vigil serve`, open the new
            address it printed.
          </span>
        )}
        {link === 'reconnecting' && (
          <span className="link-lost" role="status">
            Disconnected from Vigil — reconnecting{retryText(retry, now)}; values may be out of date. If you
            restarted `vigil serve`, open the new address it printed.
          </span>
        )}
      </header>
      <AlertBanner />
      {snapshot?.configError && <ConfigError message={snapshot.configError} />}
      {snapshot?.relay && <RelayProblems targets={snapshot.relay} now={clockNow} />}
      {loadError && !snapshot && (
        <p className="load-error" role="alert">
          Could not reach Vigil: {loadError}
        </p>
      )}
      {!snapshot && !loadError && <p className="loading">Connecting…</p>}
      {snapshot && snapshot.workers.length > 0 && (
        <div className={wide ? 'split' : 'single'}>
          {(wide || (!worker && !comparedWorkers)) && (
            <div className="list-pane">
              <SummaryLine workers={snapshot.workers} />
              <CompareBar workers={snapshot.workers} hosts={snapshot.hosts} />
              <WorkerList
                workers={snapshot.workers}
                hosts={snapshot.hosts}
                initialActive={lastOpened}
                shown={worker ? [worker.name] : (comparedWorkers ?? []).map((w) => w.name)}
                onOpen={(name) => stores.navigation.getState().open(name)}
              />
            </div>
          )}
          {worker && (
            <WorkerDetail
              worker={worker}
              warnings={(snapshot.hosts ?? [])
                .find((h) => h.name === worker.host)
                ?.warnings.filter((w) => w.workers.includes(worker.name))}
            />
          )}
          {!worker && comparedWorkers && <CompareView workers={comparedWorkers} />}
          {wide && !worker && !comparedWorkers && (
            <p className="split-hint">Open a worker, or tick several and press Compare.</p>
          )}
        </div>
      )}
      {snapshot && snapshot.workers.length === 0 && !snapshot.configError && <EmptyState />}
    </main>
  );
}
