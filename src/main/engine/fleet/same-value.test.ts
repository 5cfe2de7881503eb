import { describe, expect, it } from 'vitest';
import { sameValue } from './same-value';

describe('sameValue', () => {
  it('says two snapshots that read the same are the same', () => {
    const a = {
      name: 'w',
      metrics: { loss: 0.5 },
      logTail: ['a', 'b'],
      slowdown: null,
      resources: undefined,
    };
    const b = { slowdown: null, logTail: ['a', 'b'], metrics: { loss: 0.5 }, name: 'w' };
    expect(sameValue(a, b)).toBe(true);
    expect(sameValue({ loss: Number.NaN }, { loss: Number.NaN })).toBe(true);
  });

  it('tells any difference, however deep', () => {
    const base = {
      status: 'running',
      metrics: { loss: 0.5 },
      logTail: ['a'],
      sync: [{ rule: 'r', state: 'ok' }],
    };
    const differ = [
      { ...base, status: 'stalled' },
      { ...base, metrics: { loss: 0.51 } },
      { ...base, metrics: { loss: 0.5, acc: 1 } },
      { ...base, logTail: ['a', 'b'] },
      { ...base, logTail: ['A'] },
      { ...base, sync: [{ rule: 'r', state: 'failed' }] },
      { ...base, slowdown: { factor: 2 } },
      { ...base, metrics: null },
      { ...base, logTail: { 0: 'a' } },
      { ...base, metrics: { loss: Number.NaN } },
    ];
    for (const d of differ) {
      expect(sameValue(base, d), JSON.stringify(d)).toBe(false);
      expect(sameValue(d, base), JSON.stringify(d)).toBe(false);
    }
    expect(sameValue(0, '0')).toBe(false);
    expect(sameValue(null, undefined)).toBe(false);
  });
});
