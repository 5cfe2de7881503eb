// A worker's records, column by column, in bounded memory. Counters are dense columns (NaN stands for
// "not written"); each metric is (row, value) pairs so train and validation rows that interleave keep
// their holes, and a NaN value stays a NaN.
//
// At most `maxHeld` rows stay in memory: the newest half at full resolution, and the run before them
// thinned evenly, in stretches of 2^k records that each keep, per metric, their first, lowest, highest and
// first non-finite point (see thin()), so the whole run keeps its shape and its spikes on the chart.
// Without a bound a long run grew the engine by ~70 B per record, for ever; every byte is still in the
// local mirror on disk. The count, the latest values and the epoch base are kept exactly.

import { epochBaseOf } from '../../../shared/epoch';
import type { MetricRecord } from '../../../shared/model';

/** Rows held per store by default: 5,000 newest at full resolution, the rest of the run thinned. */
export const RECORDS_HELD = 10_000;

/**
 * Distinct metric names a store keeps. A line of 50,000 distinct keys (a logger dumping a whole state)
 * made one column pair each: 40 such lines took 4.9 GB. Names past the cap are counted and dropped.
 */
export const METRICS_HELD = 1000;

/** A growable column of doubles. */
class Column {
  private buf: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.buf = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = v;
  }

  at(i: number): number {
    return this.buf[i]!;
  }

  set(i: number, v: number): void {
    this.buf[i] = v;
  }

  /** Cuts the column to its first n values and gives back memory it no longer needs. */
  truncate(n: number): void {
    this.length = n;
    if (this.buf.length > 4 * Math.max(64, n)) this.buf = this.buf.slice(0, Math.max(64, 2 * n));
  }

  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

interface MetricColumn {
  row: Column;
  value: Column;
}

function countKept(keepRow: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) n += keepRow[i]!;
  return n;
}

const orNaN = (v: number | null): number => (v === null ? Number.NaN : v);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

export class RecordStore {
  private readonly seq = new Column();
  private readonly epochs = new Column();
  private readonly steps = new Column();
  private readonly times = new Column();
  /** Insertion order = order of first appearance in the file. */
  private readonly metrics = new Map<string, MetricColumn>();
  private readonly latestValues = new Map<string, number>();
  /** latestAll()'s answer, kept until a value changes: a snapshot that did not change keeps its object. */
  private latestShown: Readonly<Record<string, number>> | null = null;
  /** Records added since the last clear (held or thinned away). */
  private total = 0;
  private lastEpoch: number | null = null;
  private lastStep: number | null = null;
  private firstEpoch: number | null = null;
  /** An epoch with a fraction was written (Hugging Face): the file counts from 1 however it starts. */
  private fractionalEpochs = false;
  /** Rows where the run restarted (its step went back). */
  private restartRows: number[] = [];
  /** The size, in records, of the stretches the part before the full-resolution half is thinned to. */
  private stride = 1;
  /** Record number from which every record is held (0 until the first thinning). */
  private wholeFromSeq = 0;
  private thinAt: number;
  /** Values of metric names past maxMetrics (or past what a record may carry), and one such name. */
  private dropped = 0;
  private droppedExample: string | null = null;

  constructor(
    private heldMax = RECORDS_HELD,
    readonly maxMetrics = METRICS_HELD,
  ) {
    if (!(heldMax >= 8)) throw new Error(`maxHeld must be at least 8, got ${heldMax}`);
    this.thinAt = heldMax;
  }

  get maxHeld(): number {
    return this.heldMax;
  }

  /**
   * A new bound on the rows held (a worker's files share its bound: each gets a part of it). A lower
   * bound thins now.
   */
  setMaxHeld(n: number): void {
    const bound = Math.max(8, Math.floor(n));
    if (bound === this.heldMax) return;
    this.heldMax = bound;
    if (this.seq.length >= bound) this.thin();
    else this.thinAt = bound;
  }

  /** Values dropped for names past maxMetrics, and one such name when the store saw it. */
  droppedMetrics(): { values: number; example: string | null } {
    return { values: this.dropped, example: this.droppedExample };
  }

  /** Records read, all of them (not only the rows held). */
  get count(): number {
    return this.total;
  }

  /** Rows held in memory. */
  get held(): number {
    return this.seq.length;
  }

  /** 1 while every record is held; n when the older part is thinned to stretches of n records. */
  get thinning(): number {
    return this.stride;
  }

  get restarts(): readonly number[] {
    return this.restartRows;
  }

  add(records: readonly MetricRecord[]): void {
    for (const r of records) {
      this.push(this.total++, r.epoch, r.step, r.time, (r as { restart?: boolean }).restart === true);
      const row = this.seq.length - 1;
      for (const name in r.metrics) this.pushMetric(name, row, r.metrics[name]!);
      if (r.droppedMetrics) this.dropped += r.droppedMetrics;
      if (this.seq.length >= this.thinAt) this.thin();
    }
  }

  /** Appends every record of another store (used to merge the files of a run in order). */
  appendStore(other: RecordStore): void {
    const base = this.total;
    const noEpochYet = this.firstEpoch === null;
    const restarts = new Set(other.restartRows);
    const rows = other.seq.length;
    // Rows of `other` in order, metric values interleaved by their row: a merge of sorted lists.
    const cursors = [...other.metrics].map(([name, col]) => ({ name, col, k: 0 }));
    for (let i = 0; i < rows; i++) {
      this.push(
        base + other.seq.at(i),
        orNull(other.epochs.at(i)),
        orNull(other.steps.at(i)),
        orNull(other.times.at(i)),
        restarts.has(i),
      );
      const row = this.seq.length - 1;
      for (const c of cursors) {
        while (c.k < c.col.row.length && c.col.row.at(c.k) === i) {
          this.pushMetric(c.name, row, c.col.value.at(c.k));
          c.k++;
        }
      }
      if (this.seq.length >= this.thinAt) this.thin();
    }
    this.total = base + other.total;
    this.dropped += other.dropped;
    this.droppedExample ??= other.droppedExample;
    // Values thinned away in `other` still count as its latest (of the metrics this store keeps).
    for (const [name, v] of other.latestValues)
      if (this.metrics.has(name) || this.latestValues.size < this.maxMetrics) this.latestValues.set(name, v);
    this.latestShown = null;
    if (other.lastEpoch !== null) this.lastEpoch = other.lastEpoch;
    if (other.lastStep !== null) this.lastStep = other.lastStep;
    // The other's first epoch may be on a row it thinned away: its own record of it is the truth.
    if (noEpochYet && other.firstEpoch !== null) this.firstEpoch = other.firstEpoch;
    if (other.fractionalEpochs) this.fractionalEpochs = true;
    // Its thinned part stays thinned here: the chart must still say so.
    if (other.stride > 1) {
      this.stride = Math.max(this.stride, other.stride);
      this.wholeFromSeq = Math.max(this.wholeFromSeq, base + other.wholeFromSeq);
    }
  }

  private push(
    seq: number,
    epoch: number | null,
    step: number | null,
    time: number | null,
    restart: boolean,
  ) {
    if (restart) this.restartRows.push(this.seq.length);
    this.seq.push(seq);
    this.epochs.push(orNaN(epoch));
    this.steps.push(orNaN(step));
    this.times.push(orNaN(time));
    if (epoch !== null) {
      this.lastEpoch = epoch;
      if (this.firstEpoch === null) this.firstEpoch = epoch;
      if (Number.isFinite(epoch) && !Number.isInteger(epoch)) this.fractionalEpochs = true;
    }
    if (step !== null) this.lastStep = step;
  }

  private pushMetric(name: string, row: number, value: number): void {
    let col = this.metrics.get(name);
    if (!col) {
      if (this.metrics.size >= this.maxMetrics) {
        this.dropped++;
        this.droppedExample ??= name.length > 60 ? `${name.slice(0, 60)}…` : name;
        return;
      }
      col = { row: new Column(), value: new Column() };
      this.metrics.set(name, col);
    }
    col.row.push(row);
    col.value.push(value);
    this.latestValues.set(name, value);
    this.latestShown = null;
  }

  /**
   * Keeps the newest half of maxHeld rows whole and thins the rows before them. The run before them is cut
   * into buckets of `stride` records (by record number); each metric keeps its first, lowest, highest and
   * first non-finite point in each bucket, and the stride doubles until those rows fit in a quarter of
   * maxHeld. Buckets, not every n-th row: a validation loss written on every 10th row would never land on
   * a row number that is a multiple of 2^k. Doubling merges buckets pairwise, so what a thinning keeps
   * was kept by the one before: the older part stays evenly spaced however long the run.
   */
  private thin(): void {
    const rows = this.seq.length;
    const recentFrom = rows - Math.floor(this.maxHeld / 2);
    const budget = Math.floor(this.maxHeld / 4);
    const span = this.seq.at(recentFrom) - this.seq.at(0);
    let stride = this.stride;
    let keepRow = this.rowsToKeep(recentFrom, stride);
    // One bucket for the whole older part is as thin as it gets (many metrics on rows of their own).
    while (countKept(keepRow, recentFrom) > budget && stride <= span) {
      stride *= 2;
      keepRow = this.rowsToKeep(recentFrom, stride);
    }
    this.stride = stride;
    this.wholeFromSeq = Math.max(this.wholeFromSeq, this.seq.at(recentFrom));

    const counters = [this.seq, this.epochs, this.steps, this.times];
    const newRow = new Int32Array(rows).fill(-1);
    let w = 0;
    for (let i = 0; i < rows; i++) {
      if (!keepRow[i]) continue;
      newRow[i] = w;
      for (const c of counters) c.set(w, c.at(i));
      w++;
    }
    for (const c of counters) c.truncate(w);
    for (const col of this.metrics.values()) {
      let m = 0;
      for (let k = 0; k < col.row.length; k++) {
        const to = newRow[col.row.at(k)]!;
        if (to < 0) continue; // a point goes with its row (a row kept for one metric keeps all of its points)
        col.row.set(m, to);
        col.value.set(m, col.value.at(k));
        m++;
      }
      col.row.truncate(m);
      col.value.truncate(m);
    }
    // A restart whose row was thinned away is marked on the next row held.
    const restarts = new Set<number>();
    for (const r of this.restartRows) {
      let to = newRow[r]!;
      for (let i = r + 1; to < 0 && i < rows; i++) to = newRow[i]!;
      if (to >= 0) restarts.add(to);
    }
    this.restartRows = [...restarts].sort((a, b) => a - b);
    // Many metrics on rows of their own can keep more than maxHeld rows: thin again only after a quarter
    // of maxHeld new rows, so the work per record stays constant.
    this.thinAt = Math.max(this.maxHeld, w + Math.floor(this.maxHeld / 4));
  }

  /** Rows held after thinning the older part (rows before recentFrom) to buckets of `stride` records. */
  private rowsToKeep(recentFrom: number, stride: number): Uint8Array {
    const rows = this.seq.length;
    const keepRow = new Uint8Array(rows);
    keepRow.fill(1, recentFrom);
    keepRow[0] = 1; // the run's first record: where the chart starts
    for (const col of this.metrics.values()) {
      // Per bucket: its first point, its lowest and highest, and its first non-finite one (a loss spike or
      // a NaN must not vanish from the older part of the curve). Merging two buckets keeps a subset of
      // what the two kept, so a later thinning never brings back a point an earlier one dropped.
      let bucket = -1;
      let lo = -1;
      let hi = -1;
      let bad = -1;
      const flush = () => {
        for (const k of [lo, hi, bad]) if (k >= 0) keepRow[col.row.at(k)] = 1;
      };
      for (let k = 0; k < col.row.length; k++) {
        const row = col.row.at(k);
        if (row >= recentFrom) break;
        const b = Math.floor(this.seq.at(row) / stride);
        if (b !== bucket) {
          flush();
          bucket = b;
          keepRow[row] = 1;
          lo = hi = bad = -1;
        }
        const v = col.value.at(k);
        if (!Number.isFinite(v)) {
          if (bad < 0) bad = k;
        } else {
          if (lo < 0 || v < col.value.at(lo)) lo = k;
          if (hi < 0 || v > col.value.at(hi)) hi = k;
        }
      }
      flush();
    }
    return keepRow;
  }

  clear(): void {
    for (const c of [this.seq, this.epochs, this.steps, this.times]) c.truncate(0);
    this.metrics.clear();
    this.dropped = 0;
    this.droppedExample = null;
    this.latestValues.clear();
    this.latestShown = null;
    this.restartRows = [];
    this.total = 0;
    this.stride = 1;
    this.wholeFromSeq = 0;
    this.thinAt = this.maxHeld;
    this.lastEpoch = null;
    this.lastStep = null;
    this.firstEpoch = null;
    this.fractionalEpochs = false;
  }

  latestEpoch(): number | null {
    return this.lastEpoch;
  }

  latestStep(): number | null {
    return this.lastStep;
  }

  /** 0 when the file counts epochs from 0 (see shared/epoch.ts). */
  epochBase(): 0 | 1 {
    return epochBaseOf(this.firstEpoch, this.fractionalEpochs);
  }

  latest(name: string): number | null {
    return this.latestValues.get(name) ?? null;
  }

  /** The newest value of every metric. */
  latestAll(): Readonly<Record<string, number>> {
    this.latestShown ??= Object.freeze(Object.fromEntries(this.latestValues));
    return this.latestShown;
  }

  /** The epoch of every row held, in order (null where a record has none). */
  heldEpochs(): (number | null)[] {
    return Array.from(this.epochs.view(), orNull);
  }

  names(): string[] {
    return [...this.metrics.keys()];
  }

  /**
   * One metric's held points with every x axis: step (the record number, from 1, when the file has no
   * steps), epoch and time, NaN where a record has none.
   */
  series(metric: string): {
    step: Float64Array;
    epoch: Float64Array;
    time: Float64Array;
    /** The record's number in the run, from 1 (thinned records included in the count). */
    record: Float64Array;
    values: Float64Array;
    length: number;
    /** Index of the first point from which every record is held (0 while nothing is thinned). */
    wholeFrom: number;
  } {
    const col = this.metrics.get(metric);
    const n = col?.row.length ?? 0;
    const step = new Float64Array(n);
    const epoch = new Float64Array(n);
    const time = new Float64Array(n);
    const record = new Float64Array(n);
    const values = col ? col.value.view().slice() : new Float64Array(0);
    const hasSteps = this.lastStep !== null;
    let wholeFrom = n;
    for (let k = 0; k < n; k++) {
      const i = col!.row.at(k);
      if (wholeFrom === n && this.seq.at(i) >= this.wholeFromSeq) wholeFrom = k;
      record[k] = this.seq.at(i) + 1;
      step[k] = hasSteps ? this.steps.at(i) : record[k]!;
      epoch[k] = this.epochs.at(i);
      time[k] = this.times.at(i);
    }
    return { step, epoch, time, record, values, length: n, wholeFrom };
  }
}
