// The chart's controls: which metrics (the checkboxes double as the legend), smoothing, log scale and
// the x axis. Preferences live in the chartPrefs store so they survive leaving the detail.

import type { XAxis } from '../../../shared/contract';
import type { ChartPrefsState } from '../../stores/stores';
import { SERIES_COLOURS } from '../LossChart';

const X_AXES: XAxis[] = ['step', 'epoch', 'time'];

export function ChartControls({
  worker,
  metricNames,
  chosen,
  prefs,
}: {
  worker: string;
  metricNames: string[];
  chosen: string[];
  prefs: ChartPrefsState;
}) {
  return (
    <div className="chart-controls">
      <fieldset>
        <legend>Metrics</legend>
        {metricNames.map((m) => (
          <label key={m}>
            <input
              type="checkbox"
              checked={chosen.includes(m)}
              onChange={() => prefs.toggleMetric(worker, m, chosen)}
            />
            {m}
            {chosen.includes(m) && (
              <span
                className="swatch"
                aria-hidden="true"
                style={{ background: SERIES_COLOURS[chosen.indexOf(m) % SERIES_COLOURS.length] }}
              />
            )}
          </label>
        ))}
      </fieldset>
      <ChartOptions prefs={prefs} />
    </div>
  );
}

/** Smoothing, log scale and the x axis: shared by the single chart and the compare view. */
export function ChartOptions({
  prefs,
  timeLabel = 'time',
}: {
  prefs: ChartPrefsState;
  /** The compare view's time axis is time since each run's start. */
  timeLabel?: string;
}) {
  return (
    <>
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
            {x === 'time' ? timeLabel : x}
          </label>
        ))}
      </fieldset>
    </>
  );
}
