// Answers getSeries from a worker's records: one metric's held points, with the chosen x axis, through the
// gap-aware downsampler. Columns are built per request (O(rows held)); the points on the wire are few.

import type { SeriesOptions, SeriesResult } from '../../../shared/contract';
import { countedEpoch } from '../../../shared/epoch';
import type { RecordStore } from './record-store';
import { querySeries } from './series-query';
import { stepAxis } from './step-unfold';

export function seriesFor(
  worker: string,
  store: RecordStore,
  metrics: string[],
  options: SeriesOptions,
): SeriesResult {
  const base = store.epochBase();
  const raws = metrics.map((m) => {
    const raw = store.series(m);
    // The epoch axis counts as people do (a Keras run's epoch 0 is epoch 1), like every epoch shown.
    if (base === 0) raw.epoch = raw.epoch.map((e) => countedEpoch(e, base)!);
    return raw;
  });
  // Steps that go back (a restart, a counter that could not be unfolded) would fold the line onto
  // itself: the record number is the step axis then, for every metric shown alike.
  const byRecord = raws.some((raw) => stepAxis(raw.step, raw.record) !== raw.step);
  if (byRecord) for (const raw of raws) raw.step = raw.record;
  return {
    worker,
    x: options.x,
    series: raws.map((raw, i) => querySeries(metrics[i]!, raw, options)),
    thinned: thinnedBefore(raws, options, store.thinning),
    ...(byRecord && options.x === 'step' ? { stepIsRecord: true } : {}),
  };
}

/** Where the held history turns whole, on the chart's x axis (the latest such x among the metrics shown). */
function thinnedBefore(
  raws: ReturnType<RecordStore['series']>[],
  options: SeriesOptions,
  every: number,
): SeriesResult['thinned'] {
  if (every <= 1) return null;
  let before = Number.NaN;
  for (const raw of raws) {
    if (raw.wholeFrom === 0 || raw.wholeFrom >= raw.length) continue;
    const xs = options.x === 'step' ? raw.step : options.x === 'epoch' ? raw.epoch : raw.time;
    const x = xs[raw.wholeFrom]!;
    if (Number.isFinite(x) && !(x <= before)) before = x;
  }
  return Number.isFinite(before) ? { before, every } : null;
}
