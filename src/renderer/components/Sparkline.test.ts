import { describe, expect, it } from 'vitest';
import { sparklineGeometry, sparklinePaths } from './Sparkline';

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
  it('marks a NaN tail along the top up to the right edge: the x range reaches the newest record', () => {
    const points = [p(1, 2), p(60, 1), p(121, 0.5), p(122, null)];
    const g = sparklineGeometry(points, [{ from: 122, to: 652, value: 'NaN' }], 64, 18);
    // The curve ends at step 121 of 652: about a fifth of the width, not the whole of it.
    expect(g.paths).toHaveLength(1);
    expect(g.paths[0]!.endsWith('L11.8,18.0')).toBe(true);
    expect(g.bands).toEqual([{ x: 11.9, width: 52.1 }]);
    // Only NaN: no line, the whole width marked.
    expect(sparklineGeometry([p(1, null)], [{ from: 1, to: 40, value: 'NaN' }], 64, 18)).toEqual({
      paths: [],
      bands: [{ x: 0, width: 64 }],
    });
  });
});
