import { describe, expect, it } from 'vitest';
import { compileUserRegex, createRegexParser } from './regex';
import { enc, feed } from './test-helpers';

describe('user regex', () => {
  it('reads counters and every other named group as a metric', () => {
    const p = createRegexParser({
      regex: String.raw`ep (?<epoch>\d+)/(?<total>\d+) it (?<step>\d+) L=(?<loss>\S+) acc=(?<acc>\S+)`,
    });
    const r = feed(p, [enc('ep 2/10 it 300 L=0.5 acc=nan\nsomething else\nep 3/10 it 400 L=0.4 acc=0.9\n')]);
    expect(r.records).toEqual([
      { epoch: 2, step: 300, time: null, metrics: { loss: 0.5, acc: Number.NaN } },
      { epoch: 3, step: 400, time: null, metrics: { loss: 0.4, acc: 0.9 } },
    ]);
    expect(p.facts().totalEpochs).toBe(10);
  });

  it('accepts /pattern/flags', () => {
    const p = createRegexParser({ regex: String.raw`/LOSS (?<loss>[\d.]+)/i` });
    expect(feed(p, [enc('loss 0.5\n')]).records[0]!.metrics).toEqual({ loss: 0.5 });
  });

  it('throws an error naming the regex and the problem', () => {
    expect(() => compileUserRegex('(?<loss>[')).toThrow(/Invalid regex "\(\?<loss>\[": .*/);
    expect(() => compileUserRegex(String.raw`loss (\d+)`)).toThrow(/has no named groups/);
    expect(() => compileUserRegex(String.raw`(?<step>\d+)`)).toThrow(/names only counters/);
    expect(() => createRegexParser({})).toThrow(/needs a regex/);
  });
});
