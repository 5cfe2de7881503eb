import { describe, expect, it } from 'vitest';
import { sparklinePaths } from './Sparkline';

const p = (x: number, y: number | null) => ({ x, y, min: y, max: y });

describe('sparkline', () => {
  it('spans the box, higher values drawn higher', () => {
    expect(sparklinePaths([p(0, 1), p(10, 0)], 64, 18)).toEqual(['M0.0,0.0L64.0,18.0']);
  });
  it('breaks at a gap instead of bridging it', () => {
    expect(sparklinePaths([p(0, 1), p(1, 2), p(2, null), p(3, 2), p(4, 1)], 40, 10)).toHaveLength(2);
  });
  it('draws nothing from fewer than two values', () => {
    expect(sparklinePaths([p(0, 1), p(1, null)], 64, 18)).toEqual([]);
  });
});
