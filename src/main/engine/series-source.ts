// Answers getSeries from a worker's records: one metric's column, with the chosen x axis, through the
// gap-aware downsampler. Columns are built per request (O(n)); the points on the wire are few.

import type { SeriesOptions, SeriesResult } from '../../shared/contract';
import type { RecordStore } from './record-store';
import { querySeries, type RawSeries } from './series/query';

function rawColumn(store: RecordStore, metric: string): RawSeries {
  const col = store.metrics.get(metric);
  const n = col?.index.length ?? 0;
  const step = new Float64Array(n);
  const epoch = new Float64Array(n);
  const time = new Float64Array(n);
  const values = new Float64Array(n);
  // A file without steps (Keras writes only epochs) still gets a usable step axis: the record number.
  const hasSteps = store.latestStep() !== null;
  for (let k = 0; k < n; k++) {
    const i = col!.index[k]!;
    step[k] = hasSteps ? (store.step[i] ?? Number.NaN) : i + 1;
    epoch[k] = store.epoch[i] ?? Number.NaN;
    time[k] = store.time[i] ?? Number.NaN;
    values[k] = col!.value[k]!;
  }
  return { step, epoch, time, values, length: n };
}

export function seriesFor(
  worker: string,
  store: RecordStore,
  metrics: string[],
  options: SeriesOptions,
): SeriesResult {
  return {
    worker,
    x: options.x,
    series: metrics.map((m) => querySeries(m, rawColumn(store, m), options)),
  };
}
