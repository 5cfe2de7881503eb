import { describe, expect, it } from 'vitest';
import { peerRates } from './peers';

const w = (name: string, host: string, rate: number | null, spe: number | null, running = true) => ({
  name,
  host,
  running,
  rate,
  stepsPerEpoch: spe,
});

describe('peers', () => {
  it('the running workers on the same host with the same steps per epoch', () => {
    const rates = peerRates([
      w('a', 'gpu-1', 1, 1000),
      w('b', 'gpu-1', 2.5, 1000),
      w('c', 'gpu-1', 2.4, 1005), // within 1 %
      w('d', 'gpu-1', 9, 500), // another job
      w('e', 'gpu-2', 9, 1000), // another host
      w('f', 'gpu-1', 0.1, 1000, false), // stalled: its old pace is no reference
      w('g', 'gpu-1', 3, null),
    ]);
    expect(rates.get('a')).toEqual([2.5, 2.4]);
    expect(rates.get('d')).toEqual([]);
    expect(rates.get('g')).toEqual([]);
  });
});
