// What the single chart and the compare chart draw alike: the value axis and the tooltip's box.

import { formatValue } from '../format/format';

/** The y axis of values: linear or log, values worded as everywhere else. */
export const valueAxisProps = (logScale: boolean) => ({
  scale: logScale ? ('log' as const) : ('linear' as const),
  domain: ['auto', 'auto'] as [string, string],
  allowDataOverflow: logScale,
  tickFormatter: (v: number) => formatValue(v),
  width: 52,
  tick: { fontSize: 11 },
});

export const TOOLTIP_STYLE = { background: 'var(--bg)', borderColor: 'var(--line)' };
