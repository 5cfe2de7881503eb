// Several workers' curves on one chart: a colour per worker, the validation curve dashed in its
// worker's colour, raw values faint under the smoothed line (as the single chart), each line's best
// value marked with a dot, every line's value at the hovered x in the tooltip.

import { memo, useMemo } from 'react';
import { CartesianGrid, ComposedChart, Line, ReferenceDot, Tooltip, XAxis, YAxis } from 'recharts';
import type { XAxis as XAxisKind } from '../../../shared/contract';
import { formatDuration } from '../../../shared/human';
import { buildChartRows, rawKey, smoothKey } from '../../format/chart-data';
import type { CompareLine } from '../../format/compare-data';
import { durationTicks } from '../../format/compare-data';
import { formatAxisValue, formatValue } from '../../format/format';
import { TOOLTIP_STYLE, valueAxisProps } from '../chart-props';
import { SERIES_COLOURS } from '../LossChart';

// The single chart's palette without its red: beside status words, red reads as "failed".
const WORKER_COLOURS = [...SERIES_COLOURS.filter((c) => c !== '#ef4444'), '#06b6d4', '#84cc16'];
export const colourOf = (index: number) => WORKER_COLOURS[index % WORKER_COLOURS.length]!;
export const VAL_DASH = '5 4';

interface Props {
  lines: readonly CompareLine[];
  smoothing: number;
  logScale: boolean;
  x: XAxisKind;
  width: number;
  height?: number;
}

/** "step 1.2k", "epoch 3.5", "2 h 5 min since start". */
export function compareXText(v: number, x: XAxisKind): string {
  return x === 'time' ? `${formatDuration(v)} since start` : `${x} ${formatAxisValue(v, x)}`;
}

export const CompareChart = memo(function CompareChart({
  lines,
  smoothing,
  logScale,
  x,
  width,
  height = 300,
}: Props) {
  // As the single chart: rebuilt for new data or a new way of drawing it, never for a clock tick.
  const rows = useMemo(
    () =>
      buildChartRows(
        lines.map((l) => l.series),
        smoothing,
        logScale,
      ),
    [lines, smoothing, logScale],
  );
  if (rows.length === 0) return <p className="chart-empty">No points for this metric yet.</p>;
  const smoothed = smoothing > 0;
  const maxX = rows.at(-1)!.x;
  const names = new Map(lines.map((l) => [l.key, `${l.worker} ${l.metric}`]));
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
        domain={x === 'time' ? [0, maxX] : ['dataMin', 'dataMax']}
        ticks={x === 'time' ? durationTicks(maxX) : undefined}
        tickFormatter={(v: number) =>
          x === 'time' ? (v === 0 ? '0' : formatDuration(v)) : formatAxisValue(v, x)
        }
        tick={{ fontSize: 11 }}
      />
      <YAxis {...valueAxisProps(logScale)} />
      <Tooltip
        isAnimationActive={false}
        contentStyle={TOOLTIP_STYLE}
        labelFormatter={(v) => compareXText(Number(v), x)}
        formatter={(value, name) => [formatValue(Number(value)), String(name)]}
      />
      {lines.map((l) => {
        const colour = colourOf(l.index);
        const dash = l.role === 'val' ? VAL_DASH : undefined;
        const name = names.get(l.key);
        return [
          <Line
            key={rawKey(l.key)}
            dataKey={rawKey(l.key)}
            name={name}
            stroke={colour}
            strokeOpacity={smoothed ? 0.25 : 1}
            strokeDasharray={dash}
            // Smoothed, the hover lists the smoothed value once per line, not the raw one beside it.
            tooltipType={smoothed ? 'none' : undefined}
            dot={false}
            activeDot={!smoothed}
            isAnimationActive={false}
            connectNulls={false}
          />,
          smoothed && (
            <Line
              key={smoothKey(l.key)}
              dataKey={smoothKey(l.key)}
              name={name}
              stroke={colour}
              strokeWidth={1.75}
              strokeDasharray={dash}
              dot={false}
              isAnimationActive={false}
              connectNulls={false}
            />
          ),
        ];
      })}
      {lines.map((l) =>
        l.best && !(logScale && l.best.y <= 0) ? (
          <ReferenceDot
            key={`best:${l.key}`}
            className="best-mark"
            x={l.best.x}
            y={l.best.y}
            r={4}
            fill={colourOf(l.index)}
            stroke="var(--bg)"
            strokeWidth={1.5}
            ifOverflow="extendDomain"
          />
        ) : null,
      )}
    </ComposedChart>
  );
});
