// A row's forecast and slowdown: "1 h 20 min left" between its progress and contact times (beside the
// epoch it was cut short at 420 px), "⚠ 2.3× slower than in the last hour" under them. Nothing at all
// when the engine has no forecast: a blank says less than a guess.

import type { WorkerSnapshot } from '../../shared/model';
import { etaText, finishClock } from '../format/forecast-format';

export function RowEta({ worker, now }: { worker: WorkerSnapshot; now: number }) {
  const text = etaText(worker, now);
  if (text === null) return null;
  return (
    <span className="eta" title={`expected to finish ${finishClock(Date.parse(worker.etaAt!), now)}`}>
      {text}
    </span>
  );
}

export function RowSlowdown({ worker }: { worker: WorkerSnapshot }) {
  if (!worker.slowdown) return null;
  return <div className="row-slowdown">⚠ {worker.slowdown.text}</div>;
}
