// `vigil status` is a single pass: it must judge a stall the way the watching app does, from the pace
// learned while watching (kept with the mirror's state) or from the records' own times.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onePass, scenario, watch } from '../../../../test/support/fleet-scenario';

const POLL = 30_000;

describe('a single pass judges stalls like the watching app', () => {
  it('a CSV without times: the pace learned while watching is kept, and a later pass judges with it', async () => {
    const s = scenario();
    s.append('m.csv', 'epoch,loss\n');
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.csv }');
    const app = await watch(s, cfg);
    for (let e = 1; e <= 8; e++) {
      s.append('m.csv', `${e},${1 / e}\n`);
      await app.advance(POLL);
    }
    expect(app.worker().status).toBe('running');
    // The trainer pauses: 100 s without a write is late for a run that wrote every 30 s.
    await app.advance(100_000);
    expect(app.worker().status).toBe('late');
    await app.fleet.stop();

    // `vigil status` with the data folder to itself, and beside the app in a private folder.
    const own = await onePass(s, cfg);
    expect(own.workers[0]!.status).toBe('late');
    const beside = await onePass(s, cfg, {
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'vigil-status-')),
      paceFrom: s.dataDir,
    });
    expect(beside.workers[0]!.status).toBe('late');
    expect(beside.workers[0]!.reason).toBe(own.workers[0]!.reason);
    // Later still: stalled for both (5 × the pace, at least 2 min), never "running".
    await s.clock.advance(60_000);
    expect((await onePass(s, cfg)).workers[0]!.status).toBe('stalled');
  });

  it('records with times: one pass learns the pace from them, with no state at all', async () => {
    const s = scenario();
    const t0 = s.clock.now() / 1000 - 600;
    const lines = Array.from({ length: 20 }, (_, i) => `{"step": ${i}, "loss": 1, "time": ${t0 + i * 3}}\n`);
    s.append('m.jsonl', lines.join(''));
    await s.clock.advance(20_000); // written every 3 s, the last 20 s ago: late, not "running"
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.jsonl }');
    expect((await onePass(s, cfg)).workers[0]!.status).toBe('late');
  });
});
