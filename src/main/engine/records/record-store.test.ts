import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../shared/model';
import { RecordStore } from './record-store';
import { seriesFor } from './series-source';

/** Record n of a run: a train loss on every row, a validation loss on every 10th, one epoch per 100. */
function rec(n: number): MetricRecord {
  const metrics: Record<string, number> = { loss: 1 / (n + 1) };
  if (n % 10 === 9) metrics.val_loss = 2 / (n + 1);
  return { epoch: Math.floor(n / 100), step: n * 4, time: 1_700_000_000_000 + n * 1000, metrics };
}

function feed(store: RecordStore, n: number, batch = 1): void {
  for (let i = 0; i < n; i += batch) {
    const rs: MetricRecord[] = [];
    for (let j = i; j < Math.min(n, i + batch); j++) rs.push(rec(j));
    store.add(rs);
  }
}

describe('RecordStore', () => {
  it('below its bound holds every record exactly, with holes and NaN kept', () => {
    const s = new RecordStore(1000);
    feed(s, 30);
    s.add([{ epoch: null, step: 120, time: null, metrics: { loss: Number.NaN } }]);
    expect(s.count).toBe(31);
    expect(s.held).toBe(31);
    expect(s.thinning).toBe(1);
    const loss = s.series('loss');
    expect(loss.length).toBe(31);
    expect(Array.from(loss.values.slice(0, 3))).toEqual([1, 1 / 2, 1 / 3]);
    expect(loss.values[30]).toBeNaN();
    expect(loss.epoch[30]).toBeNaN(); // no epoch written: NaN, not 0
    const val = s.series('val_loss');
    expect(Array.from(val.step)).toEqual([36, 76, 116]);
    expect(s.latestEpoch()).toBe(0); // the NaN row had no epoch: the last written one stays
    expect(s.latest('loss')).toBeNaN();
    expect(s.latestAll()).toEqual({ loss: Number.NaN, val_loss: 2 / 30 });
    expect(s.names()).toEqual(['loss', 'val_loss']);
  });

  it('a million records stay within the bound; the count and latest values stay exact', () => {
    const s = new RecordStore(2000);
    let maxHeld = 0;
    for (let i = 0; i < 1_000_000; i += 1000) {
      const rs: MetricRecord[] = [];
      for (let j = i; j < i + 1000; j++) rs.push(rec(j));
      s.add(rs);
      maxHeld = Math.max(maxHeld, s.held);
    }
    expect(maxHeld).toBeLessThanOrEqual(2000);
    expect(s.count).toBe(1_000_000);
    expect(s.latest('loss')).toBe(1 / 1_000_000);
    expect(s.latest('val_loss')).toBe(2 / 1_000_000);
    expect(s.latestEpoch()).toBe(9999);
    expect(s.latestStep()).toBe(999_999 * 4);
    expect(s.epochBase()).toBe(0);
  });

  it('thinned: the newest half whole, the run before evenly spaced from its first record, sparse metrics kept', () => {
    const s = new RecordStore(2000);
    feed(s, 200_000, 500);
    const loss = s.series('loss');
    const steps = Array.from(loss.step);
    // The chart still starts at the run's first record and ends at its last.
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(199_999 * 4);
    // The newest records are all there, one by one.
    const recent = steps.slice(-1000);
    expect(recent.every((x, i) => i === 0 || x - recent[i - 1]! === 4)).toBe(true);
    // Before them: at least one point per `thinning` records, all the way.
    const older = steps.filter((x) => x < recent[0]!);
    const gaps = older.slice(1).map((x, i) => x - older[i]!);
    expect(s.thinning).toBeGreaterThan(1);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(4 * s.thinning);
    expect(older.length).toBeGreaterThan(2000 / 20);
    // A validation loss written on every 10th record still spans the whole run, evenly.
    const val = Array.from(s.series('val_loss').step);
    expect(val[0]).toBe(36);
    expect(val.at(-1)).toBe(199_999 * 4);
    const valOlder = val.filter((x) => x < recent[0]!);
    expect(valOlder.length).toBeGreaterThan(2000 / 20);
    const valGaps = valOlder.slice(1).map((x, i) => x - valOlder[i]!);
    expect(Math.max(...valGaps)).toBeLessThanOrEqual(4 * (s.thinning + 9));
    // Every point held is the exact record it stands for.
    for (let k = 0; k < loss.length; k += 97) expect(loss.values[k]).toBe(1 / (loss.step[k]! / 4 + 1));
  });

  it('a chart request says from where on every record is drawn, on the axis asked for', () => {
    const s = new RecordStore(2000);
    feed(s, 50);
    expect(seriesFor('w', s, ['loss'], { maxPoints: 100, x: 'step' }).thinned).toBeNull();
    feed(s, 100_000, 1000);
    const byStep = seriesFor('w', s, ['loss', 'val_loss'], { maxPoints: 1200, x: 'step' });
    const steps = Array.from(s.series('loss').step);
    const { before, every } = byStep.thinned!;
    expect(every).toBe(s.thinning);
    // From `before` on, every record is there; just before it, records are missing.
    const after = steps.filter((x) => x >= before);
    expect(after.every((x, i) => i === 0 || x - after[i - 1]! === 4)).toBe(true);
    expect(after.length).toBeGreaterThan(900);
    const justBefore = steps.filter((x) => x < before).slice(-40);
    expect(justBefore.some((x, i) => i > 0 && x - justBefore[i - 1]! > 4)).toBe(true);
    const byEpoch = seriesFor('w', s, ['loss'], { maxPoints: 1200, x: 'epoch' });
    // Record n is in epoch n / 100 as written from 0: the axis counts from 1.
    expect(byEpoch.thinned!.before).toBe(Math.floor(before / 4 / 100) + 1);
  });

  it('a loss spike and a NaN early in a long run are still drawn after thinning', () => {
    const s = new RecordStore(1000);
    for (let n = 0; n < 200_000; n++) {
      const loss = n === 1234 ? 50 : n === 4321 ? Number.NaN : 1 / (n + 1);
      s.add([{ epoch: null, step: n, time: null, metrics: { loss } }]);
    }
    expect(s.thinning).toBeGreaterThan(64);
    const loss = s.series('loss');
    const at = (step: number) => Array.from(loss.step).indexOf(step);
    expect(loss.values[at(1234)]).toBe(50);
    expect(loss.values[at(4321)]).toBeNaN();
    expect(loss.values[at(0)]).toBe(1); // the lowest and highest of the run's start are there too
    expect(s.held).toBeLessThanOrEqual(1000);
  });

  it('the same records give the same points whether added one by one or in batches', () => {
    const a = new RecordStore(500);
    const b = new RecordStore(500);
    feed(a, 20_000, 1);
    feed(b, 20_000, 777);
    expect(Array.from(a.series('val_loss').step)).toEqual(Array.from(b.series('val_loss').step));
    expect(Array.from(a.series('loss').values)).toEqual(Array.from(b.series('loss').values));
  });

  it('a file without steps uses the record number, which survives thinning', () => {
    const s = new RecordStore(100);
    for (let i = 0; i < 5000; i++) s.add([{ epoch: i, step: null, time: null, metrics: { loss: i } }]);
    const loss = s.series('loss');
    for (let k = 0; k < loss.length; k++) expect(loss.step[k]).toBe(loss.values[k]! + 1);
    expect(s.epochBase()).toBe(0);
  });

  it('restarts stay marked after thinning, on the row held nearest after them', () => {
    const s = new RecordStore(100);
    for (let i = 0; i < 3000; i++) {
      const r = { ...rec(i), restart: i === 1001 } as MetricRecord;
      s.add([r]);
    }
    expect(s.restarts.length).toBe(1);
    const row = s.restarts[0]!;
    const steps = s.series('loss').step;
    expect(steps[row]).toBeGreaterThanOrEqual(1001 * 4);
    expect(steps[row - 1]).toBeLessThan(1001 * 4);
  });

  it('merging keeps the epoch base of a file whose first epoch was thinned away', () => {
    const a = new RecordStore(100);
    a.add([{ epoch: null, step: 0, time: null, metrics: { loss: 1 } }]);
    for (let n = 1; n < 5000; n++)
      a.add([{ epoch: n === 1 ? 0 : n, step: n, time: null, metrics: { loss: 1 } }]);
    expect(a.epochBase()).toBe(0);
    const merged = new RecordStore(100);
    merged.appendStore(a);
    expect(merged.epochBase()).toBe(0);
  });

  it('the latest values are one object until a value changes: a new record, a merge, a clear', () => {
    const s = new RecordStore(100);
    s.add([{ epoch: 0, step: 1, time: null, metrics: { loss: 2 } }]);
    const first = s.latestAll();
    expect(s.latestAll()).toBe(first);
    expect(first).toEqual({ loss: 2 });
    s.add([{ epoch: 0, step: 2, time: null, metrics: { loss: 1.5, acc: 0.1 } }]);
    expect(s.latestAll()).not.toBe(first);
    expect(s.latestAll()).toEqual({ loss: 1.5, acc: 0.1 });
    const other = new RecordStore(100);
    other.add([{ epoch: 1, step: 3, time: null, metrics: { loss: 1 } }]);
    s.appendStore(other);
    expect(s.latestAll()).toEqual({ loss: 1, acc: 0.1 });
    s.clear();
    expect(s.latestAll()).toEqual({});
  });

  it('merging stores (the files of a run directory) keeps order, count and latest values', () => {
    const a = new RecordStore(400);
    const b = new RecordStore(400);
    feed(a, 5000, 100);
    b.add([{ epoch: 50, step: 20_000, time: null, metrics: { loss: 0.001, lr: 0.1 } }]);
    const merged = new RecordStore(400);
    merged.appendStore(a);
    merged.appendStore(b);
    expect(merged.count).toBe(5001);
    expect(merged.held).toBeLessThanOrEqual(400);
    expect(merged.latestAll()).toEqual({ loss: 0.001, val_loss: 2 / 5000, lr: 0.1 });
    expect(merged.latestEpoch()).toBe(50);
    const steps = Array.from(merged.series('loss').step);
    expect(steps.every((x, i) => i === 0 || x > steps[i - 1]!)).toBe(true);
    expect(steps.at(-1)).toBe(20_000);
    // b is not thinned, a is: the merged view still says where whole records start.
    expect(seriesFor('m', merged, ['loss'], { maxPoints: 100, x: 'step' }).thinned).toMatchObject({
      every: a.thinning,
    });
    merged.clear();
    expect([merged.count, merged.held, merged.latest('loss'), merged.thinning]).toEqual([0, 0, null, 1]);
  });

  it('keeps at most 1,000 metric names, counts the ones dropped, and names one', () => {
    const store = new RecordStore(100);
    for (let line = 0; line < 3; line++) {
      const metrics: Record<string, number> = { loss: line };
      for (let k = 0; k < 2000; k++) metrics[`param_${line}_${k}`] = k;
      store.add([{ epoch: line, step: null, time: null, metrics }]);
    }
    expect(store.names()).toHaveLength(1000);
    expect(store.names()[0]).toBe('loss');
    expect(store.latest('loss')).toBe(2);
    expect(Object.keys(store.latestAll())).toHaveLength(1000);
    expect(store.droppedMetrics()).toEqual({ values: 5001, example: 'param_0_999' });
  });

  it('a lower bound set later thins at once; the count and latest values stay exact', () => {
    const store = new RecordStore(10_000);
    feed(store, 5000);
    store.setMaxHeld(100);
    expect(store.held).toBeLessThanOrEqual(100);
    expect(store.count).toBe(5000);
    expect(store.latest('loss')).toBe(1 / 5000);
    feed(store, 1000);
    expect(store.held).toBeLessThanOrEqual(125);
  });
});
