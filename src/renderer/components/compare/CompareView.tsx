// Several workers at once: which run is ahead. One metric choice for all (each run's own loss by
// default, whatever it is called), each worker's validation curve beside its training one, the same
// smoothing, log scale and x axis as the single chart (time is time since each run's start).

import { useMemo, useRef } from 'react';
import type { WorkerSnapshot } from '../../../shared/model';
import {
  type CompareLine,
  compareLines,
  EACH_LOSS,
  metricChoices,
  metricsFor,
} from '../../format/compare-data';
import { formatValue } from '../../format/format';
import { useSlice, useStores } from '../../stores/context';
import { ChartOptions } from '../detail/ChartControls';
import { StatusBadge } from '../StatusBadge';
import { useElementWidth } from '../useElementWidth';
import { CompareChart, colourOf, compareXText, VAL_DASH } from './CompareChart';
import { useCompareSeries } from './useCompareSeries';

export function CompareView({ workers }: { workers: readonly WorkerSnapshot[] }) {
  const stores = useStores();
  const prefs = useSlice(
    (s) => s.chartPrefs,
    (p) => p,
  );
  const box = useRef<HTMLElement>(null);
  const width = useElementWidth(box, 560);
  const choices = metricChoices(workers);
  const choice = choices.includes(prefs.compareMetric) ? prefs.compareMetric : EACH_LOSS;
  const plan = workers.map((w) => ({ worker: w, metrics: metricsFor(choice, w) }));
  const requests = plan.flatMap((p) =>
    p.metrics
      ? [{ worker: p.worker.name, metrics: [p.metrics.train, ...(p.metrics.val ? [p.metrics.val] : [])] }]
      : [],
  );
  const missing = plan.filter((p) => !p.metrics).map((p) => p.worker.name);
  const revision = workers.map((w) => w.records).join(',');
  const { results, errors, loading } = useCompareSeries(
    requests,
    { maxPoints: Math.max(16, width * 2), x: prefs.x },
    revision,
  );
  // Memoised on the answers: the clock's tick re-renders this view, and must not redraw the chart.
  // Every compared worker keeps its place (its colour) even when it lacks the chosen metric.
  const names = workers.map((w) => w.name).join('\n');
  const wanted = requests.map((r) => r.worker).join('\n');
  const lines = useMemo(() => {
    const asked = wanted.split('\n');
    return compareLines(
      names.split('\n').map((name) => {
        const result = results[name];
        // While a new axis loads, an answer for the old one would be drawn on the wrong scale; a
        // worker without the chosen metric may still hold an answer for the previous choice.
        const fits = asked.includes(name) && result !== undefined && result.x === prefs.x;
        return { worker: name, result: fits ? result : null };
      }),
      prefs.x,
    );
  }, [results, prefs.x, names, wanted]);
  const title = `${choice === EACH_LOSS ? 'loss' : choice} of ${workers.length} workers by ${prefs.x === 'time' ? 'time since start' : prefs.x}`;

  return (
    <article className="detail compare" aria-labelledby="compare-title">
      <header className="detail-header">
        <button
          type="button"
          className="back"
          onClick={() => stores.navigation.getState().back()}
          aria-label="Back to all workers"
        >
          ←
        </button>
        <h2 id="compare-title">Compare</h2>
      </header>
      <div className="chart-controls">
        <label className="compare-metric">
          Metric{' '}
          <select value={choice} onChange={(e) => prefs.setCompareMetric(e.target.value)}>
            {choices.map((c) => (
              <option key={c} value={c}>
                {c === EACH_LOSS ? "each run's loss" : c}
              </option>
            ))}
          </select>
        </label>
        <ChartOptions prefs={prefs} timeLabel="time since start" />
      </div>
      <figure className="chart" ref={box} aria-label={title}>
        {lines.length > 0 ? (
          <CompareChart
            lines={lines}
            smoothing={prefs.smoothing}
            logScale={prefs.logScale}
            x={prefs.x}
            width={width}
            // Taller where the window is wide, so the curves are not flattened into a strip.
            height={Math.round(Math.min(420, Math.max(300, width * 0.42)))}
          />
        ) : (
          <p className="chart-empty">{loading ? 'Loading…' : 'No worker has this metric.'}</p>
        )}
      </figure>
      <CompareLegend workers={workers} lines={lines} x={prefs.x} errors={errors} />
      {missing.length > 0 && (
        <p className="chart-note">
          Not drawn: {missing.join(', ')} (no {choice === EACH_LOSS ? 'loss metric' : choice}).
        </p>
      )}
    </article>
  );
}

/** "NaN from 3 h 36 min to 3 h 54 min since start". */
function nanText(n: { from: number; to: number; value: string }, x: 'step' | 'epoch' | 'time'): string {
  const what =
    n.value === 'mixed' ? 'NaN/∞' : n.value === 'Infinity' ? '∞' : n.value === '-Infinity' ? '−∞' : 'NaN';
  return n.from === n.to
    ? `${what} at ${compareXText(n.from, x)}`
    : `${what} from ${compareXText(n.from, x).replace(/ since start$/, '')} to ${compareXText(n.to, x)}`;
}

/** The legend: a worker per row in its colour, each line's latest and best value and where. */
function CompareLegend({
  workers,
  lines,
  x,
  errors,
}: {
  workers: readonly WorkerSnapshot[];
  lines: readonly CompareLine[];
  x: 'step' | 'epoch' | 'time';
  errors: Record<string, string>;
}) {
  return (
    <ul className="compare-legend" aria-label="Legend">
      {workers.map((w) => {
        const own = lines.filter((l) => l.worker === w.name);
        if (own.length === 0 && !errors[w.name]) return null;
        return (
          <li key={w.name} data-worker={w.name}>
            <span className="legend-worker">
              <StatusBadge status={w.status} />
              <strong>{w.name}</strong>
            </span>
            {own.map((l) => (
              <span key={l.key} className="legend-line">
                <svg width="22" height="8" aria-hidden="true">
                  <line
                    x1="1"
                    y1="4"
                    x2="21"
                    y2="4"
                    stroke={colourOf(l.index)}
                    strokeWidth="2"
                    strokeDasharray={l.role === 'val' ? VAL_DASH : undefined}
                  />
                </svg>
                {l.metric} {formatValue(w.metrics[l.metric] ?? null)}
                {l.best && (
                  <span className="legend-best">
                    {' '}
                    · best {formatValue(l.best.y)} at {compareXText(l.best.x, x)}
                  </span>
                )}
                {/* The chart leaves a gap where the values are NaN/∞: the legend says why. */}
                {l.series.nonFinite?.length ? (
                  <span className="legend-nan"> · {nanText(l.series.nonFinite.at(-1)!, x)}</span>
                ) : null}
              </span>
            ))}
            {errors[w.name] && <span className="chart-error">Could not refresh: {errors[w.name]}</span>}
          </li>
        );
      })}
    </ul>
  );
}
