// One worker: its curve(s) with smoothing, log scale and x axis choices, the latest value of every
// metric, the log tail and the actions.

import { useRef, useState } from 'react';
import type { XAxis } from '../../shared/contract';
import type { HostWarning, WorkerSnapshot } from '../../shared/model';
import { formatAxisValue, formatEpoch, formatRelative, formatValue } from '../format/format';
import { useClient, useSlice, useStores } from '../stores/context';
import { ResourcesPanel } from './detail/ResourcesPanel';
import { LossChart, SERIES_COLOURS } from './LossChart';
import { StatusBadge } from './StatusBadge';
import { SyncPanel } from './SyncPanel';
import { useElementWidth } from './useElementWidth';
import { useSeries } from './useSeries';

const SNOOZE_MS = 3_600_000;
const X_AXES: XAxis[] = ['step', 'epoch', 'time'];

export function WorkerDetail({
  worker,
  warnings = [],
}: {
  worker: WorkerSnapshot;
  /** Its host's warnings that concern it. */
  warnings?: readonly HostWarning[];
}) {
  const client = useClient();
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
  const [syncing, setSyncing] = useState(false);
  const metricNames = Object.keys(worker.metrics);
  const fallback = worker.lossMetric ? [worker.lossMetric] : metricNames.slice(0, 1);
  const chosen = (prefs.metrics[worker.name] ?? fallback).filter((m) => metricNames.includes(m));
  const chartBox = useRef<HTMLElement>(null);
  const width = useElementWidth(chartBox, 560);
  // About two points per pixel: the engine never sends more than the chart can show.
  const { result, error } = useSeries(
    worker.name,
    chosen,
    { maxPoints: Math.max(16, width * 2), x: prefs.x },
    worker.records,
  );
  const [notice, setNotice] = useState<string | null>(null);
  const stale = worker.status === 'unreachable' || worker.connection === 'unreachable';

  const act = (label: string, run: () => Promise<void>) => {
    run().then(
      () => setNotice(label),
      (e: Error) => setNotice(`Failed: ${e.message}`),
    );
  };

  return (
    <article className="detail" aria-labelledby="detail-title">
      <header className="detail-header">
        <button
          type="button"
          className="back"
          onClick={() => stores.navigation.getState().back()}
          aria-label="Back to all workers"
        >
          ←
        </button>
        <h2 id="detail-title">{worker.name}</h2>
        <StatusBadge status={worker.status} />
      </header>
      <p className="reason">{worker.reason}</p>
      {warnings.length > 0 && (
        <ul className="host-warnings" aria-label={`Warnings on ${worker.host}`}>
          {warnings.map((w) => (
            <li key={w.kind + w.text.slice(0, 30)}>⚠ {w.text}</li>
          ))}
        </ul>
      )}
      {stale && (
        <p className="stale-note">
          Last known values — {worker.host} last answered {formatRelative(worker.lastContactAt, now)}.
        </p>
      )}
      <dl className="facts">
        <dt>Epoch</dt>
        <dd>{formatEpoch(worker)}</dd>
        <dt>Step</dt>
        <dd>{worker.step ?? '—'}</dd>
        <dt>Last progress</dt>
        <dd>{formatRelative(worker.lastProgressAt, now)}</dd>
        <dt>Host</dt>
        <dd>
          {worker.host} ({worker.connection})
        </dd>
      </dl>

      <div className="chart-controls">
        <fieldset>
          <legend>Metrics</legend>
          {metricNames.map((m) => (
            <label key={m}>
              <input
                type="checkbox"
                checked={chosen.includes(m)}
                onChange={() => prefs.toggleMetric(worker.name, m, chosen)}
              />
              {m}
              {chosen.includes(m) && (
                // The line's colour, so the checkboxes double as the legend.
                <span
                  className="swatch"
                  aria-hidden="true"
                  style={{ background: SERIES_COLOURS[chosen.indexOf(m) % SERIES_COLOURS.length] }}
                />
              )}
            </label>
          ))}
        </fieldset>
        <label className="smoothing">
          Smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={prefs.smoothing}
            onChange={(e) => prefs.setSmoothing(Number(e.target.value))}
          />
          <output>{prefs.smoothing.toFixed(2)}</output>
        </label>
        <label>
          <input
            type="checkbox"
            checked={prefs.logScale}
            onChange={(e) => prefs.setLogScale(e.target.checked)}
          />
          Log scale
        </label>
        <fieldset className="x-axis">
          <legend>X axis</legend>
          {X_AXES.map((x) => (
            <label key={x}>
              <input
                type="radio"
                name="x-axis"
                value={x}
                checked={prefs.x === x}
                onChange={() => prefs.setX(x)}
              />
              {x}
            </label>
          ))}
        </fieldset>
      </div>

      <figure className="chart" ref={chartBox} aria-label={`${chosen.join(', ')} by ${prefs.x}`}>
        {result ? (
          <LossChart
            series={result.series}
            smoothing={prefs.smoothing}
            logScale={prefs.logScale}
            x={prefs.x}
            width={width}
          />
        ) : (
          <p className="chart-empty">{error ?? 'Loading…'}</p>
        )}
        {result && error && <p className="chart-error">Could not refresh: {error}</p>}
        {result?.thinned && (
          <figcaption className="chart-note">
            Before {result.x} {formatAxisValue(result.thinned.before, result.x)}, each stretch of{' '}
            {result.thinned.every.toLocaleString('en-US')} records is drawn by its first, lowest and highest
            values — every record is in the mirror.
          </figcaption>
        )}
      </figure>

      <ResourcesPanel worker={worker} />

      <h3>Latest values</h3>
      <table className="metrics">
        <tbody>
          {metricNames.map((m) => (
            <tr key={m}>
              <th scope="row">{m}</th>
              <td>{formatValue(worker.metrics[m])}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <div className="actions">
        <button
          type="button"
          disabled={syncing}
          onClick={() => {
            setSyncing(true);
            setNotice('Syncing…');
            act('Sync finished', () => client.syncNow(worker.name).finally(() => setSyncing(false)));
          }}
        >
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>
        <button
          type="button"
          onClick={() => act('Opened the local folder', () => client.openMirror(worker.name))}
        >
          Open folder
        </button>
        <button
          type="button"
          onClick={() => act('Alerts snoozed for 1 hour', () => client.snooze(worker.name, SNOOZE_MS))}
        >
          Snooze 1 h
        </button>
      </div>
      <p className="notice" role="status">
        {notice ?? ''}
      </p>
      <SyncPanel rules={worker.sync} progress={progress ?? {}} now={now} />

      <h3>Log</h3>
      <section aria-label="Log tail">
        <pre className="log-tail">
          {worker.logTail.length > 0 ? worker.logTail.join('\n') : 'No log lines yet.'}
        </pre>
      </section>
    </article>
  );
}
