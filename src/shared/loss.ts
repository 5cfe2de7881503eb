// Which metric is "the loss": the configured one, else the first preferred name present, else the
// first metric whose name contains "loss" and does not start with val/eval/test. The one place this rule
// lives: the engine, `vigil inspect` and every shell show the loss this picks.

const PREFERRED = ['loss', 'train_loss', 'train/loss', 'total_loss', 'training_loss'];
const HELD_OUT = /^(val|eval|test)/i;

/** `names` in order of first appearance in the file. */
export function chooseLossMetric(names: readonly string[], configured?: string | null): string | null {
  if (configured) return configured;
  for (const p of PREFERRED) if (names.includes(p)) return p;
  for (const n of names) if (/loss/i.test(n) && !HELD_OUT.test(n)) return n;
  return null;
}
