// A NaN or exploding loss, from the file through the judgement to the snapshot and the alert.

import { describe, expect, it } from 'vitest';
import { scenario, watch } from '../../../../test/support/fleet-scenario';
import { seriesFor } from '../records';

const MIN = 60_000;

describe('a diverged run', () => {
  it('a loss NaN for many epochs is diverged (an alarm), with since when; not a green "running"', async () => {
    const s = scenario();
    const t0 = s.clock.now() / 1000;
    const line = (e: number, loss: number | string) =>
      `{"epoch": ${e}, "step": ${e * 93 + 1}, "loss": ${loss}, "time": ${t0 - (50 - e) * 60}}\n`;
    const good = Array.from({ length: 7 }, (_, e) => line(e, 1 / (e + 1)));
    const bad = Array.from({ length: 43 }, (_, i) => line(7 + i, 'NaN'));
    s.append('metrics.jsonl', [...good, ...bad].join(''));
    const cfg = s.config(
      [
        '  - { name: nan, host: gpu, dir: $DIR, metrics: metrics.jsonl, totalEpochs: 200 }',
        '  - { name: off, host: gpu, dir: $DIR, metrics: metrics.jsonl, totalEpochs: 200, diverge: false }',
      ].join('\n'),
    );
    const { fleet, alerts, worker, advance } = await watch(s, cfg);
    expect(worker('nan').status).toBe('diverged');
    // Epoch 7 as written from 0 is the 8th; step 7 × 93 + 1; written 43 minutes ago.
    expect(worker('nan').reason).toMatch(/^loss is NaN since step 652 \(epoch 8, 43 min ago\); progress/);
    expect(worker('off').status).toBe('running');
    await advance(MIN);
    expect(alerts.filter((a) => a.worker === 'nan').map((a) => a.kind)).toEqual(['diverged']);
    expect(fleet.snapshot().workers.map((w) => w.name)).toEqual(['nan', 'off']);
    await fleet.stop();
  });

  it('a loss that rises above 10× its best for 5 % of the run is diverged; when it comes back, recovered', async () => {
    const s = scenario();
    const rows = (from: number, to: number, loss: (i: number) => number) =>
      Array.from({ length: to - from }, (_, k) => `${from + k},${loss(from + k)}\n`).join('');
    s.append('m.csv', `step,loss\n${rows(1, 201, (i) => 2 / (1 + i / 10))}`);
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.csv }');
    const { fleet, alerts, worker, advance } = await watch(s, cfg);
    expect(worker().status).toBe('running');
    s.append(
      'm.csv',
      rows(201, 215, () => 3.5),
    );
    await advance(30_000);
    expect(worker().status).toBe('diverged');
    expect(worker().reason).toMatch(/^loss is 3\.5, over 10× its best \(0\.0\d+\) since step 201; progress/);
    s.append(
      'm.csv',
      rows(215, 230, () => 0.05),
    );
    await advance(30_000);
    expect(worker().status).toBe('running');
    expect(alerts.map((a) => a.kind)).toEqual(['diverged', 'recovered']);
    await fleet.stop();
  });
});

describe('the chart of a NaN tail', () => {
  it('marks the non-finite stretch from where it began to the newest record; the line stops at the last number', async () => {
    const s = scenario();
    const lines = Array.from({ length: 652 }, (_, i) => {
      const step = i + 1;
      return `{"step": ${step}, "loss": ${step <= 121 ? 1 / step : step === 300 ? 'Infinity' : 'NaN'}}\n`;
    });
    s.append('m.jsonl', lines.join(''));
    const { fleet } = await watch(s, s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.jsonl }'));
    const r = seriesFor('w', fleet.worker('w')!.records, ['loss'], { maxPoints: 200, x: 'step' });
    const series = r.series[0]!;
    expect(series.nonFinite).toEqual([{ from: 122, to: 652, value: 'mixed' }]);
    expect(Math.max(...series.points.filter((p) => p.y !== null).map((p) => p.x))).toBe(121);
    // Within a range, the stretch is cut to it.
    const zoom = seriesFor('w', fleet.worker('w')!.records, ['loss'], {
      maxPoints: 200,
      x: 'step',
      range: { from: 400, to: 500 },
    });
    expect(zoom.series[0]!.nonFinite).toEqual([{ from: 400, to: 500, value: 'NaN' }]);
    await fleet.stop();
  });
});
