// The fleet in one line above the list ("2 failed · 1 stalled · 3 running", worst first), and the same
// words as the page's title: a browser tab in the background still says when something broke.

import { useEffect } from 'react';
import type { WorkerSnapshot } from '../../shared/model';
import { pageTitle, summaryText } from '../format/forecast-format';

export function SummaryLine({ workers }: { workers: readonly WorkerSnapshot[] }) {
  const text = summaryText(workers);
  const slower = workers.filter((w) => w.slowdown).length;
  return text ? (
    <p className="summary-line">
      {text}
      {slower > 0 && <span className="summary-slower"> · ⚠ {slower} slower</span>}
    </p>
  ) : null;
}

/** Keeps document.title in step with the fleet ("Vigil" while nothing is known). */
export function usePageTitle(workers: readonly WorkerSnapshot[] | null): void {
  const title = pageTitle(workers);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
