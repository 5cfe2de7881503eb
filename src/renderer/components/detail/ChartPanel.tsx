// The worker's curve(s): asks the engine for about two points per pixel of the chart's width, draws
// them, and says when a long run's older records are drawn thinned.

import { useRef } from 'react';
import { formatCount } from '../../../shared/human';
import { formatAxisValue } from '../../format/format';
import type { ChartPrefsState } from '../../stores/stores';
import { LossChart } from '../LossChart';
import { useElementWidth } from '../useElementWidth';
import { useSeries } from '../useSeries';

export function ChartPanel({
  worker,
  chosen,
  records,
  prefs,
}: {
  worker: string;
  chosen: string[];
  /** The worker's record count: a new record refreshes the series. */
  records: number;
  prefs: ChartPrefsState;
}) {
  const box = useRef<HTMLElement>(null);
  const width = useElementWidth(box, 560);
  const { result, error } = useSeries(
    worker,
    chosen,
    { maxPoints: Math.max(16, width * 2), x: prefs.x },
    records,
  );
  return (
    <figure className="chart" ref={box} aria-label={`${chosen.join(', ')} by ${prefs.x}`}>
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
      {result?.series.map((s) => {
        const last = s.nonFinite?.at(-1);
        if (!last) return null;
        const what = last.value === 'mixed' ? 'NaN/Infinity' : last.value;
        const at = (v: number) => `${result.x} ${formatAxisValue(v, result.x)}`;
        return (
          <figcaption key={s.metric} className="chart-nan">
            {s.metric} is {what}{' '}
            {last.from === last.to ? `at ${at(last.from)}` : `from ${at(last.from)} to ${at(last.to)}`}
            {(s.nonFinite?.length ?? 0) > 1
              ? ` (and ${s.nonFinite!.length - 1} earlier stretch${s.nonFinite!.length > 2 ? 'es' : ''})`
              : ''}
          </figcaption>
        );
      })}
      {result?.stepIsRecord && (
        <figcaption className="chart-note">
          The file's step goes back (the run restarted into the same file): drawn by record number.
        </figcaption>
      )}
      {result?.thinned && (
        <figcaption className="chart-note">
          Before {result.x} {formatAxisValue(result.thinned.before, result.x)}, each stretch of{' '}
          {formatCount(result.thinned.every)} records is drawn by its first, lowest and highest values — every
          record is in the mirror.
        </figcaption>
      )}
    </figure>
  );
}
