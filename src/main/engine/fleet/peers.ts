// Who a worker's pace is compared with: the other running workers on its host doing the same number of
// steps per epoch (the same job on the same kind of GPU, as far as Vigil can tell). Pure.

export interface PacedWorker {
  name: string;
  host: string;
  running: boolean;
  /** Steps (or records) per second now; null unknown. */
  rate: number | null;
  stepsPerEpoch: number | null;
}

/** Steps per epoch are "the same" within 1 % (a last partial batch, a rounded fractional epoch). */
const sameSteps = (a: number, b: number) => Math.abs(a - b) <= 0.01 * Math.max(a, b);

/** Each worker's peers' current rates (empty: no peer to compare with). */
export function peerRates(workers: readonly PacedWorker[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const w of workers) {
    const spe = w.stepsPerEpoch;
    out.set(
      w.name,
      spe === null
        ? []
        : workers
            .filter(
              (o) =>
                o !== w &&
                o.running &&
                o.host === w.host &&
                o.rate !== null &&
                o.stepsPerEpoch !== null &&
                sameSteps(o.stepsPerEpoch, spe),
            )
            .map((o) => o.rate!),
    );
  }
  return out;
}
