// Debiased exponential moving average, as TensorBoard's scalar dashboard computes it: the running
// average starts at 0 and is divided by (1 - w^n), so the first points are not dragged towards zero.
// Gaps (null / non-finite) pass through unsmoothed and do not advance the average, so a break in the
// line stays a break. Lives in src/shared so the engine and the renderer compute the same curve.

export function smoothEma(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  // A constant series would pick up floating-point noise from the debiasing; TensorBoard skips it too.
  const constant = finite.every((v) => v === finite[0]);
  if (w === 0 || constant) return [...values];
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    count++;
    return last / (1 - w ** count);
  });
}
