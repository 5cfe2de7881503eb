// Epochs as people count them. Keras and Lightning write the first epoch as 0, so the last epoch of a
// 50-epoch run reads 49; people (and `totalEpochs`) count from 1. Every epoch Vigil shows — the list,
// the detail, the chart's epoch axis, reasons, `status --json`, `inspect --json` — goes through here.

/**
 * 0 when a file counts epochs from 0: its first epoch is 0 and every epoch is a whole number. Fractional
 * epochs (Hugging Face's 0.19, 0.38, …) are progress through the run, 1-based already, even if one
 * entry says 0.0.
 */
export function epochBaseOf(firstEpoch: number | null, fractional: boolean): 0 | 1 {
  return firstEpoch !== null && firstEpoch <= 0 && !fractional ? 0 : 1;
}

/** The epoch as people count it (1-based) from what the file wrote and the file's base. */
export function countedEpoch(raw: number | null, base: 0 | 1): number | null {
  if (raw === null) return null;
  return base === 0 ? raw + 1 : raw;
}
