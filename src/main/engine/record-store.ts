// A worker's records, column by column: counters in dense arrays, each metric as (index, value) pairs
// so train and validation rows that interleave keep their holes, and a NaN stays a NaN.

import type { MetricRecord } from '../../shared/model';

export interface MetricColumn {
  index: number[];
  value: number[];
}

export class RecordStore {
  readonly epoch: (number | null)[] = [];
  readonly step: (number | null)[] = [];
  readonly time: (number | null)[] = [];
  /** Insertion order = order of first appearance in the file. */
  readonly metrics = new Map<string, MetricColumn>();
  private lastEpochIdx = -1;
  private lastStepIdx = -1;
  /** Indexes where the run restarted (its step went back). */
  readonly restarts: number[] = [];

  get count(): number {
    return this.epoch.length;
  }

  add(records: readonly MetricRecord[]): void {
    for (const r of records) {
      const i = this.epoch.length;
      this.epoch.push(r.epoch);
      this.step.push(r.step);
      this.time.push(r.time);
      if (r.epoch !== null) this.lastEpochIdx = i;
      if (r.step !== null) this.lastStepIdx = i;
      if ((r as { restart?: boolean }).restart) this.restarts.push(i);
      for (const [name, v] of Object.entries(r.metrics)) {
        let col = this.metrics.get(name);
        if (!col) {
          col = { index: [], value: [] };
          this.metrics.set(name, col);
        }
        col.index.push(i);
        col.value.push(v);
      }
    }
  }

  /** Appends every record of another store (used to merge the files of a run in order). */
  appendStore(other: RecordStore): void {
    const base = this.epoch.length;
    for (let i = 0; i < other.epoch.length; i++) {
      const e = other.epoch[i]!;
      const s = other.step[i]!;
      this.epoch.push(e);
      this.step.push(s);
      this.time.push(other.time[i]!);
      if (e !== null) this.lastEpochIdx = base + i;
      if (s !== null) this.lastStepIdx = base + i;
    }
    for (const r of other.restarts) this.restarts.push(base + r);
    for (const [name, col] of other.metrics) {
      let mine = this.metrics.get(name);
      if (!mine) {
        mine = { index: [], value: [] };
        this.metrics.set(name, mine);
      }
      for (let k = 0; k < col.index.length; k++) {
        mine.index.push(base + col.index[k]!);
        mine.value.push(col.value[k]!);
      }
    }
  }

  clear(): void {
    this.epoch.length = 0;
    this.step.length = 0;
    this.time.length = 0;
    this.metrics.clear();
    this.restarts.length = 0;
    this.lastEpochIdx = -1;
    this.lastStepIdx = -1;
  }

  latestEpoch(): number | null {
    return this.lastEpochIdx < 0 ? null : this.epoch[this.lastEpochIdx]!;
  }

  latestStep(): number | null {
    return this.lastStepIdx < 0 ? null : this.step[this.lastStepIdx]!;
  }

  /** The smallest epoch written: 0 means the file counts epochs from 0. */
  epochBase(): 0 | 1 {
    for (const e of this.epoch) if (e !== null) return e <= 0 ? 0 : 1;
    return 1;
  }

  latest(name: string): number | null {
    const col = this.metrics.get(name);
    return col && col.value.length > 0 ? col.value[col.value.length - 1]! : null;
  }

  /** The newest value of every metric. */
  latestAll(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, col] of this.metrics) out[name] = col.value[col.value.length - 1]!;
    return out;
  }

  names(): string[] {
    return [...this.metrics.keys()];
  }
}
