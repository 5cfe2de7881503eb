// A run's step, even when the file's counter restarts every epoch. tqdm's `45/100` within an epoch,
// MMDetection's `Epoch [3][50/361]`: drawn by that counter, every epoch folds onto the same stretch of
// the x axis and the curve becomes a jagged band. When the counter goes back as the epoch moves on, the
// step is carried on from where the last epoch ended: epoch × steps per epoch + step, with the steps per
// epoch learned as the highest counter an epoch reached. A counter that goes back without a new epoch is
// a restarted run (the record says so), not a fold; its steps are left as written.

import type { MetricRecord } from '../../../shared/model';

export class StepUnfolder {
  private offset = 0;
  private lastRaw: number | null = null;
  private lastEpoch: number | null = null;
  /** The highest counter of the epoch under way, and of the longest epoch seen. */
  private maxInEpoch = 0;
  private epochLength = 0;
  /** The offset each epoch started at, so a run resumed at an earlier epoch lines up again. */
  private readonly offsetAt = new Map<number, number>();

  /** Rewrites the record's step (in place) to the run's global step when the counter folds. */
  apply(rec: MetricRecord): MetricRecord {
    const raw = rec.step;
    const epoch = rec.epoch;
    const newEpoch = epoch !== null && this.lastEpoch !== null && epoch > this.lastEpoch;
    if (newEpoch) {
      this.epochLength = Math.max(this.epochLength, this.maxInEpoch);
      if (raw !== null && this.lastRaw !== null && raw < this.lastRaw) {
        // The counter restarted with the epoch; epochs missing from the file count as whole ones.
        this.offset += this.epochLength * (epoch - this.lastEpoch!);
      }
      this.maxInEpoch = 0;
    } else if (epoch !== null && this.lastEpoch !== null && epoch < this.lastEpoch && this.offset > 0) {
      // Resumed from an earlier epoch's checkpoint: that epoch's steps again.
      this.offset = this.offsetAt.get(epoch) ?? this.offset;
      this.maxInEpoch = 0;
    }
    if (epoch !== null) {
      if (!this.offsetAt.has(epoch) && this.offsetAt.size < 100_000) this.offsetAt.set(epoch, this.offset);
      this.lastEpoch = epoch;
    }
    if (raw === null) return rec;
    if (raw > this.maxInEpoch) this.maxInEpoch = raw;
    this.lastRaw = raw;
    if (this.offset !== 0) rec.step = raw + this.offset;
    return rec;
  }
}

/**
 * The x values of the step axis: the steps when they never go back, else the record numbers (a run
 * restarted into the same file, a counter that could not be unfolded): never a folded line.
 */
export function stepAxis(step: Float64Array, record: Float64Array): Float64Array {
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < step.length; i++) {
    const x = step[i]!;
    if (Number.isNaN(x)) continue;
    if (x < prev) return record;
    prev = x;
  }
  return step;
}
