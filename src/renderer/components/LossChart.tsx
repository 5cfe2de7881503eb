// The detail's curve: raw values faint, the EMA-smoothed line on top (as TensorBoard draws it), the
// min/max envelope of the downsampled buckets as a band when one metric is shown, values on hover.

import { memo, useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricSeries, XAxis as XAxisKind } from '../../shared/contract';
import {
  BAND_KEY,
  buildChartRows,
  type ChartRow,
  nonFiniteMarks,
  rawKey,
  smoothKey,
} from '../format/chart-data';
import { formatAxisValue, formatValue } from '../format/format';
import { timeTicks } from '../format/time-ticks';
import { TOOLTIP_STYLE, valueAxisProps } from './chart-props';

export const SERIES_COLOURS = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899'];

interface Props {
  series: readonly MetricSeries[];
  smoothing: number;
  logScale: boolean;
  x: XAxisKind;
  width: number;
  height?: number;
}

/** Memoised as a whole too: props equal (the same series object, the same prefs) → no redraw at all. */
export const LossChart = memo(function LossChart({
  series,
  smoothing,
  logScale,
  x,
  width,
  height = 220,
}: Props) {
  // Rows are rebuilt when the data or how it is drawn changes, not when the parent re-renders for the
  // clock's tick (every second, for the ages beside the chart): with ~1000 points per metric that was
  // a rebuild and a full recharts redraw per second for nothing.
  const { built, marks } = useMemo(() => {
    const rows = buildChartRows(series, smoothing, logScale);
    // Where values are NaN/±Infinity: marked from their first to their last, the x range reaching them.
    return { built: rows, marks: nonFiniteMarks(series, rows) };
  }, [series, smoothing, logScale]);
  const smoothed = smoothing > 0;
  if (built.length === 0 && marks.stretches.length === 0)
    return <p className="chart-empty">No points for this metric yet.</p>;
  // A time axis gets ticks that differ (seconds or dates where the span needs them).
  const time = x === 'time' ? timeTicks(marks.domain[0], marks.domain[1]) : null;
  const rows: ChartRow[] =
    built.length > 0 ? built : [{ x: marks.domain[0] } as ChartRow, { x: marks.domain[1] } as ChartRow];
  return (
    <ComposedChart
      width={width}
      height={height}
      data={rows}
      margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
    >
      <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.25} />
      <XAxis
        dataKey="x"
        type="number"
        domain={marks.domain}
        ticks={time?.ticks}
        tickFormatter={(v: number) => (time ? time.format(v) : formatAxisValue(v, x))}
        tick={{ fontSize: 11 }}
      />
      <YAxis {...valueAxisProps(logScale)} />
      <Tooltip
        isAnimationActive={false}
        contentStyle={TOOLTIP_STYLE}
        labelFormatter={(v) => `${x} ${formatAxisValue(Number(v), x)}`}
        formatter={(value, name) => [
          Array.isArray(value)
            ? `${formatValue(Number(value[0]))} … ${formatValue(Number(value[1]))}`
            : formatValue(Number(value)),
          String(name),
        ]}
      />
      {marks.stretches.map((m) => (
        <ReferenceArea
          key={`${m.metric}:${m.x1}`}
          x1={m.x1}
          x2={m.x2}
          className="nan-band"
          fill="var(--bad)"
          fillOpacity={0.14}
          stroke="var(--bad)"
          strokeOpacity={0.5}
          ifOverflow="extendDomain"
          label={{ value: m.label, position: 'insideTop', fontSize: 11, fill: 'var(--bad)' }}
        />
      ))}
      {series.length === 1 && (
        <Area
          dataKey={BAND_KEY}
          name="min … max"
          stroke="none"
          fill={SERIES_COLOURS[0]}
          fillOpacity={0.12}
          isAnimationActive={false}
          connectNulls={false}
          activeDot={false}
        />
      )}
      {series.map((s, i) => {
        const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
        return [
          <Line
            key={rawKey(s.metric)}
            dataKey={rawKey(s.metric)}
            name={smoothed ? `${s.metric} (raw)` : s.metric}
            stroke={colour}
            strokeOpacity={smoothed ? 0.3 : 1}
            dot={false}
            isAnimationActive={false}
            connectNulls={false}
          />,
          smoothed && (
            <Line
              key={smoothKey(s.metric)}
              dataKey={smoothKey(s.metric)}
              name={s.metric}
              stroke={colour}
              strokeWidth={1.75}
              dot={false}
              isAnimationActive={false}
              connectNulls={false}
            />
          ),
        ];
      })}
    </ComposedChart>
  );
});
