// Answers getSeries from a worker's records: one metric's held points, with the chosen x axis, through the
// gap-aware downsampler. Columns are built per request (O(rows held)); the points on the wire are few.

import type { SeriesOptions, SeriesResult } from '../../shared/contract';
import type { RecordStore } from './record-store';
import { querySeries } from './series/query';

export function seriesFor(
  worker: string,
  store: RecordStore,
  metrics: string[],
  options: SeriesOptions,
): SeriesResult {
  return {
    worker,
    x: options.x,
    series: metrics.map((m) => querySeries(m, store.series(m), options)),
  };
}
