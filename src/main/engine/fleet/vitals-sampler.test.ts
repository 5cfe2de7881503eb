// The sampler's process budget: besides timeout, sh and awk, at most one process a tick (a `ps`, a
// `stat -f` or an `nvidia-smi`), the disks every third tick, and the GPU queries still get their turns.

import { describe, expect, it } from 'vitest';
import { emptyReading } from '../remote';
import { VitalsSampler, type VitalsWorker } from './vitals-sampler';

const workers = (dir: string): VitalsWorker[] => [
  { name: 'I3D', root: { kind: 'pid-file', path: `${dir}/train.pid` }, dir },
];

function run(dir: string, ticks: number) {
  const sampler = new VitalsSampler({ everyMs: 10_000, gpuEveryMs: 15_000 });
  const plans = [];
  for (let i = 0; i < ticks; i++) {
    const now = i * 10_000;
    const req = sampler.plan(workers(dir), now);
    plans.push({ disks: req.readDisks === true, gpu: req.gpuStart !== null, scan: req.scan });
    // The host answers as the script would: the GPU query it was asked to start, started; a missing
    // folder, said missing (no disks).
    sampler.absorb(
      req,
      { ...emptyReading(1), gpuStarted: req.gpuStart, gpu: { state: 'not-asked' } },
      workers(dir),
      now,
    );
  }
  return plans;
}

describe('the vitals sampler', () => {
  it('starts at most one process a tick besides awk; disks every third tick, the GPU in between', () => {
    const plans = run('/runs/i3d', 9);
    for (const p of plans) expect([p.disks, p.gpu, p.scan].filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(plans.map((p) => p.disks)).toEqual([true, false, false, true, false, false, true, false, false]);
    expect(plans.filter((p) => p.gpu).length).toBeGreaterThanOrEqual(4);
  });

  it('a folder that is missing does not take every tick: the GPU queries still run', () => {
    const plans = run('/no/such/folder', 9);
    expect(plans.filter((p) => p.disks).length).toBe(3);
    expect(plans.filter((p) => p.gpu).length).toBeGreaterThanOrEqual(4);
  });
});
