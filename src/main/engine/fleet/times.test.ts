// Times in the snapshot never contradict each other.

import { describe, expect, it } from 'vitest';
import { scenario, watch } from '../../../../test/support/fleet-scenario';

describe('snapshot times', () => {
  it('lastProgressAt is never later than lastContactAt (the answer the progress came from)', async () => {
    const s = scenario();
    s.append('m.jsonl', '{"step": 1, "loss": 1}\n'); // written at the very moment of the poll
    const { fleet, worker, advance } = await watch(
      s,
      s.config('  - { name: w, host: gpu, dir: $DIR, metrics: m.jsonl }'),
    );
    for (let i = 0; i < 3; i++) {
      const w = worker();
      expect(w.lastProgressAt).not.toBeNull();
      expect(Date.parse(w.lastProgressAt!)).toBeLessThanOrEqual(Date.parse(w.lastContactAt!));
      s.append('m.jsonl', `{"step": ${i + 2}, "loss": 1}\n`);
      await advance(30_000);
    }
    await fleet.stop();
  });
});
