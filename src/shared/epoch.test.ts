import { describe, expect, it } from 'vitest';
import { countedEpoch, epochBaseOf } from './epoch';

describe('epochs as people count them', () => {
  it('a file that starts at epoch 0 with whole epochs counts from 0: its epoch 29 is the 30th', () => {
    expect(epochBaseOf(0, false)).toBe(0);
    expect(countedEpoch(29, epochBaseOf(0, false))).toBe(30);
    expect(countedEpoch(4, 0)).toBe(5);
  });

  it('files that count from 1 (YOLO, MMEngine) and fractional epochs (Hugging Face) are unchanged', () => {
    expect(countedEpoch(7, epochBaseOf(1, false))).toBe(7);
    expect(epochBaseOf(0, true)).toBe(1); // HF: an entry at epoch 0.0, then 0.19, 0.38…
    expect(countedEpoch(38.17, epochBaseOf(0, true))).toBe(38.17);
    expect(countedEpoch(null, 0)).toBeNull();
    expect(epochBaseOf(null, false)).toBe(1);
  });
});
