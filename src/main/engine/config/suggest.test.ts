import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from './suggest';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps as one edit each', () => {
    expect(editDistance('stalAfter', 'stallAfter')).toBe(1);
    expect(editDistance('hostnmae', 'hostname')).toBe(1);
    expect(editDistance('port', 'prt')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
  });
});

describe('didYouMean', () => {
  const keys = ['name', 'host', 'dir', 'metrics', 'log', 'process', 'stallAfter', 'totalEpochs', 'sync'];

  it('suggests the nearest key within two edits', () => {
    expect(didYouMean('stalAfter', keys)).toBe('stallAfter');
    expect(didYouMean('metric', keys)).toBe('metrics');
    expect(didYouMean('totalEpoch', keys)).toBe('totalEpochs');
  });

  it('matches regardless of case, even far apart', () => {
    expect(didYouMean('STALLAFTER', keys)).toBe('stallAfter');
  });

  it('stays quiet when nothing is close', () => {
    expect(didYouMean('checkpoint', keys)).toBeUndefined();
    // Two edits that replace a two-letter word entirely are no suggestion.
    expect(didYouMean('id', ['to'])).toBeUndefined();
  });
});
