// One worker: what it is doing, its curve(s) with their controls, the latest value of every metric,
// the actions, its sync rules and the log tail — each a part in ./detail/.

import type { HostWarning, WorkerSnapshot } from '../../shared/model';
import { useSlice, useStores } from '../stores/context';
import { ChartControls } from './detail/ChartControls';
import { ChartPanel } from './detail/ChartPanel';
import { LogTail } from './detail/LogTail';
import { ResourcesPanel } from './detail/ResourcesPanel';
import { WorkerActions } from './detail/WorkerActions';
import { LatestValues, WorkerFacts, WorkerHeader } from './detail/WorkerFacts';
import { SyncPanel } from './SyncPanel';

export function WorkerDetail({
  worker,
  warnings = [],
}: {
  worker: WorkerSnapshot;
  /** Its host's warnings that concern it. */
  warnings?: readonly HostWarning[];
}) {
  const stores = useStores();
  const now = useSlice(
    (s) => s.clock,
    (c) => c.now,
  );
  const prefs = useSlice(
    (s) => s.chartPrefs,
    (p) => p,
  );
  const progress = useSlice(
    (s) => s.progress,
    (p) => p.byWorker[worker.name],
  );
  const metricNames = Object.keys(worker.metrics);
  const fallback = worker.lossMetric ? [worker.lossMetric] : metricNames.slice(0, 1);
  const chosen = (prefs.metrics[worker.name] ?? fallback).filter((m) => metricNames.includes(m));

  return (
    <article className="detail" aria-labelledby="detail-title">
      <WorkerHeader worker={worker} onBack={() => stores.navigation.getState().back()} />
      <WorkerFacts worker={worker} now={now} />
      {warnings.length > 0 && (
        <ul className="host-warnings" aria-label={`Warnings on ${worker.host}`}>
          {warnings.map((w) => (
            <li key={w.kind + w.text.slice(0, 30)}>⚠ {w.text}</li>
          ))}
        </ul>
      )}
      <ChartControls worker={worker.name} metricNames={metricNames} chosen={chosen} prefs={prefs} />
      <ChartPanel worker={worker.name} chosen={chosen} records={worker.records} prefs={prefs} />
      <ResourcesPanel worker={worker} />
      <LatestValues worker={worker} />
      <WorkerActions worker={worker.name} />
      <SyncPanel rules={worker.sync} progress={progress ?? {}} now={now} />
      <LogTail lines={worker.logTail} />
    </article>
  );
}
