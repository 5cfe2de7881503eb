import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Proposal } from './init-discover';
import { type Ask, chooseHost, confirmProposals } from './init-prompt';

/** Answers in order; records the questions. */
function scripted(answers: string[]): Ask & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    question: async (q) => {
      asked.push(q);
      return answers.shift() ?? '';
    },
    close: () => {},
  };
}

const p = (name: string, totalEpochs?: number): Proposal => ({
  name,
  dir: `/r/${name}`,
  metrics: 'metrics.jsonl',
  kind: 'jsonl',
  why: 'JSON lines',
  ...(totalEpochs ? { totalEpochs } : {}),
});

describe('the questions in a terminal', () => {
  afterEach(() => vi.restoreAllMocks());

  it('Enter takes every default; n skips a run; a name or total can be changed; bad answers are asked again', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const ask = scripted(['', '', '', 'n', 'maybe', 'y', 'bad name', 'I3D', 'also taken', 'fast', '12']);
    const got = await confirmProposals(ask, [p('a', 50), p('b'), p('c')], new Set(['i3d']));
    expect(got.map((x) => [x.name, x.totalEpochs])).toEqual([
      ['a', 50],
      ['fast', 12],
    ]);
    expect(ask.asked[0]).toBe('Watch /r/a (metrics.jsonl)? y/n [y]: ');
    expect(ask.asked[2]).toBe('  total epochs (- for none) [50]: ');
  });

  it('a host by number or by name', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await chooseHost(scripted(['2']), ['ec2', 'gpu'])).toBe('gpu');
    expect(await chooseHost(scripted(['']), ['ec2', 'gpu'])).toBe('ec2');
    expect(await chooseHost(scripted(['other']), ['ec2'])).toBe('other');
  });
});
