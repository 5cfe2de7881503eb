// Throughput, ETA and slowdown from the file through the judgement to the snapshot, the JSON and the alert.

import { describe, expect, it } from 'vitest';
import { onePass, scenario, watch } from '../../../../test/support/fleet-scenario';
import { statusJson } from './status-json';

const MIN = 60_000;

describe('the forecast of a run', () => {
  it('a record per epoch with its time: pace, seconds per epoch and when it reaches totalEpochs', async () => {
    const s = scenario();
    const now = s.clock.now();
    // Epochs 1..12 of 50, one every 5 min, 500 steps each; the newest written just now.
    const lines = Array.from(
      { length: 12 },
      (_, i) =>
        `{"epoch": ${i + 1}, "step": ${(i + 1) * 500}, "loss": 0.5, "time": ${(now - (11 - i) * 5 * MIN) / 1000}}\n`,
    );
    s.append('metrics.jsonl', lines.join(''));
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: metrics.jsonl, totalEpochs: 50 }');
    const { fleet, worker } = await watch(s, cfg);
    const w = worker();
    expect(w.status).toBe('running');
    expect(w.stepsPerSecond).toBeCloseTo(500 / 300, 6);
    expect(w.secondsPerEpoch).toBeCloseTo(300, 6);
    // 38 epochs of 5 min from the newest progress (the file's mtime, the middle of its second).
    const eta = Date.parse(w.etaAt!);
    expect(Math.abs(eta - (now + 38 * 5 * MIN))).toBeLessThan(1000);
    const json = statusJson(fleet.snapshot()) as { workers: Record<string, unknown>[] };
    expect(json.workers[0]).toMatchObject({ etaAt: w.etaAt, secondsPerEpoch: 300, slowdown: null });
    await fleet.stop();
  });

  it('a run that stalled has no ETA (its pace would promise a finish that is not coming)', async () => {
    const s = scenario();
    const now = s.clock.now();
    const lines = Array.from(
      { length: 6 },
      (_, i) => `{"epoch": ${i + 1}, "step": ${i + 1}, "loss": 1, "time": ${(now - (5 - i) * MIN) / 1000}}\n`,
    );
    s.append('m.jsonl', lines.join(''));
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.jsonl, totalEpochs: 50 }');
    const { fleet, worker, advance } = await watch(s, cfg);
    expect(worker(), JSON.stringify(worker())).toMatchObject({ status: 'running' });
    expect(worker().etaAt).not.toBeNull();
    await advance(60 * MIN);
    expect(worker().status).toBe('stalled');
    expect(worker().etaAt).toBeNull();
    expect(worker().stepsPerSecond).toBeNull();
    await fleet.stop();
  });

  it('a file without times is paced by when Vigil sees it grow; a single pass cannot know yet', async () => {
    const s = scenario();
    s.append('m.csv', 'epoch,step,loss\n');
    let step = 0;
    const grow = () => {
      step += 60;
      s.append('m.csv', `${Math.ceil(step / 600)},${step},0.4\n`);
    };
    grow();
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.csv, totalEpochs: 10 }');
    const once = await onePass(s, cfg);
    expect(once.workers[0]!.stepsPerSecond ?? null).toBeNull();
    expect(once.workers[0]!.etaAt ?? null).toBeNull();
    const { fleet, worker, advance } = await watch(s, cfg);
    for (let i = 0; i < 30; i++) {
      await advance(30_000);
      grow();
    }
    await advance(30_000);
    expect(worker().stepsPerSecond).toBeCloseTo(2, 1);
    expect(worker().etaAt).not.toBeNull();
    await fleet.stop();
  });

  it('a run at under half its pace of the hour before: a warning beside "running", told once', async () => {
    const s = scenario();
    const t0 = s.clock.now() - 60 * MIN;
    // An hour at 10 steps per 10 s, written with times; then 1 step per 10 s, as it goes.
    const lines = Array.from(
      { length: 360 },
      (_, i) => `{"step": ${(i + 1) * 10}, "loss": 0.3, "time": ${(t0 + i * 10_000) / 1000}}\n`,
    );
    s.append('m.jsonl', lines.join(''));
    const cfg = s.config('  - { name: SlowFast, host: gpu, dir: $DIR, metrics: m.jsonl }');
    const { fleet, worker, alerts, advance } = await watch(s, cfg);
    let step = 3600;
    for (let i = 0; i < 20 * 6; i++) {
      step += 4;
      s.append('m.jsonl', `{"step": ${step}, "loss": 0.3, "time": ${s.clock.now() / 1000}}\n`);
      await advance(10_000);
    }
    const w = worker();
    expect(w.status).toBe('running');
    // 10 steps per 10 s before, 4 now; the hour before still holds the first minutes of the slowdown.
    expect(w.slowdown?.text).toMatch(/^2\.[3-5]× slower than in the last hour$/);
    const told = alerts.filter((a) => a.kind === 'slowdown');
    expect(told.map((a) => a.message)).toEqual([
      expect.stringMatching(/^SlowFast is 2(\.\d)?× slower than in the last hour$/),
    ]);
    expect(told[0]!.key).toMatch(/^SlowFast\/slowdown-/);
    await fleet.stop();
  });

  it('a run at under half the pace of its peers (same host, same steps per epoch) is warned about', async () => {
    const s = scenario();
    const now = s.clock.now();
    // 40 min of records every 10 s, 1000 steps per epoch: Slow at 1 step/s, the two others at 2.5.
    const run = (perSecond: number) =>
      Array.from({ length: 241 }, (_, i) => {
        const step = Math.round((i + 1) * 10 * perSecond);
        const epoch = Math.floor(step / 1000);
        return `{"epoch": ${epoch}, "step": ${step}, "loss": 0.3, "time": ${(now - (240 - i) * 10_000) / 1000}}\n`;
      }).join('');
    s.append('slow.jsonl', run(1));
    s.append('fast1.jsonl', run(2.5));
    s.append('fast2.jsonl', run(2.5));
    const cfg = s.config(
      ['slow', 'fast1', 'fast2']
        .map((n) => `  - { name: ${n}, host: gpu, dir: $DIR, metrics: ${n}.jsonl, stallAfter: 1h }`)
        .join('\n'),
    );
    const { fleet, worker, alerts, advance } = await watch(s, cfg);
    // Each judged against the others' pace of the evaluation before: a few more records, a few evaluations.
    for (let k = 1; k <= 3; k++) {
      await advance(10_000);
      const t = s.clock.now() / 1000;
      s.append('slow.jsonl', `{"epoch": 2, "step": ${2410 + 10 * k}, "loss": 0.3, "time": ${t}}\n`);
      for (const f of ['fast1', 'fast2'])
        s.append(`${f}.jsonl`, `{"epoch": 6, "step": ${6025 + 25 * k}, "loss": 0.3, "time": ${t}}\n`);
    }
    await advance(1000);
    expect(worker('slow').status).toBe('running');
    expect(worker('slow').slowdown?.text).toBe('2.5× slower than the other workers on gpu');
    expect(worker('fast1').slowdown).toBeNull();
    expect(alerts.filter((a) => a.kind === 'slowdown').map((a) => a.worker)).toEqual(['slow']);
    await fleet.stop();
  });
});
