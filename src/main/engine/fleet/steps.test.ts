// The default step axis never folds: a text log whose counter restarts every epoch is drawn by the run's
// step; a run restarted into the same file is drawn by record number.

import { describe, expect, it } from 'vitest';
import { scenario, watch } from '../../../../test/support/fleet-scenario';
import { seriesFor } from '../records';

/** tqdm's bar redrawn with `\r`, one line per epoch, each epoch counting 1..N again. */
function tqdmLog(epochs: number, perEpoch: number, every: number): string {
  let out = '';
  for (let e = 1; e <= epochs; e++) {
    const states: string[] = [];
    for (let i = every; i <= perEpoch; i += every) {
      const loss = (2 / (e + i / perEpoch)).toFixed(4);
      states.push(
        `Epoch ${e}/${epochs}: ${Math.round((100 * i) / perEpoch)}%|###| ${i}/${perEpoch} [00:10<00:20, 4.00it/s, loss=${loss}]`,
      );
    }
    out += `${states.join('\r')}\n`;
  }
  return out;
}

describe('the step axis', () => {
  it('a tqdm log (i/N restarting each epoch) is drawn by the run step, rising, with the run step shown', async () => {
    const s = scenario();
    s.append('train.log', tqdmLog(4, 100, 20));
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: train.log }');
    const { fleet, worker } = await watch(s, cfg);
    const r = seriesFor('w', fleet.worker('w')!.records, ['loss'], { maxPoints: 1000, x: 'step' });
    const xs = r.series[0]!.points.map((p) => p.x);
    expect(xs.length).toBe(20);
    expect(xs.every((x, i) => i === 0 || x > xs[i - 1]!)).toBe(true);
    expect(xs.slice(0, 6)).toEqual([20, 40, 60, 80, 100, 120]);
    expect(r.stepIsRecord).toBeUndefined();
    expect(worker()).toMatchObject({ epoch: 4, step: 400 });
    await fleet.stop();
  });

  it('a run restarted into the same file (steps back, epoch not moving on) is drawn by record number', async () => {
    const s = scenario();
    const line = (step: number) => `{"step": ${step}, "loss": ${1 / step}}\n`;
    s.append('m.jsonl', [100, 200, 300, 150, 250, 350].map(line).join(''));
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.jsonl }');
    const { fleet } = await watch(s, cfg);
    const r = seriesFor('w', fleet.worker('w')!.records, ['loss'], { maxPoints: 1000, x: 'step' });
    expect(r.series[0]!.points.map((p) => p.x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.stepIsRecord).toBe(true);
    await fleet.stop();
  });
});
