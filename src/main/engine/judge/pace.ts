// A worker's own pace decides when it is late and when it is stalled, unless the user set stallAfter.
// Learned from the intervals between progress events (record times, or the file's mtime as it grew).

export const DEFAULT_STALL_MS = 30 * 60_000;
const MIN_SAMPLES = 5;
const KEEP = 50;
const STALL_FLOOR_MS = 2 * 60_000;
const STALL_CAP_MS = 2 * 3600_000;
const LATE_FLOOR_MS = 10_000;

export class PaceTracker {
  private last: number | null = null;
  private intervals: number[] = [];
  /** typicalIntervalMs()'s answer until the intervals change (it is asked at every evaluation). */
  private typical: number | null | undefined;

  /** Feed progress times (ms) in order; equal or earlier times are ignored. */
  observe(time: number): void {
    if (this.last !== null && time > this.last) {
      this.intervals.push(time - this.last);
      if (this.intervals.length > KEEP) this.intervals.shift();
      this.typical = undefined;
    }
    if (this.last === null || time > this.last) this.last = time;
  }

  reset(): void {
    this.last = null;
    this.intervals = [];
    this.typical = undefined;
  }

  /**
   * The intervals learned, to keep across runs (`vigil status` is a single pass: it cannot learn a
   * pace from mtimes it sees once). The last time is not kept: an interval spanning the time Vigil was
   * not watching would only be an upper bound.
   */
  saved(): number[] {
    return [...this.intervals];
  }

  /** Takes intervals kept by an earlier run, when this one has learned none. */
  restore(intervals: readonly number[]): void {
    if (this.intervals.length > 0) return;
    this.intervals = intervals.filter((i) => Number.isFinite(i) && i > 0).slice(-KEEP);
    this.typical = undefined;
  }

  /** The 90th percentile interval, or null without enough history. */
  typicalIntervalMs(): number | null {
    if (this.typical !== undefined) return this.typical;
    if (this.intervals.length < MIN_SAMPLES) this.typical = null;
    else {
      const sorted = [...this.intervals].sort((a, b) => a - b);
      this.typical = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!;
    }
    return this.typical;
  }
}

export interface Thresholds {
  stallAfterMs: number;
  lateAfterMs: number;
  learned: boolean;
}

export function thresholds(configuredStallMs: number | undefined, typicalMs: number | null): Thresholds {
  if (configuredStallMs !== undefined) {
    const late = typicalMs === null ? configuredStallMs / 2 : Math.max(LATE_FLOOR_MS, 2 * typicalMs);
    return {
      stallAfterMs: configuredStallMs,
      lateAfterMs: Math.min(late, configuredStallMs / 2),
      learned: false,
    };
  }
  if (typicalMs === null)
    return { stallAfterMs: DEFAULT_STALL_MS, lateAfterMs: DEFAULT_STALL_MS / 2, learned: false };
  const stall = Math.min(STALL_CAP_MS, Math.max(STALL_FLOOR_MS, 5 * typicalMs));
  const late = Math.min(stall / 2, Math.max(LATE_FLOOR_MS, 2 * typicalMs));
  return { stallAfterMs: stall, lateAfterMs: late, learned: true };
}
