import { describe, expect, it } from 'vitest';
import { parseConfig } from '../engine/config';
import { parseTarget, sshConfigOf } from './init';
import { configText, existingNames, lineDiff } from './init-config';
import type { Proposal } from './init-discover';

const proposal = (name: string, extra: Partial<Proposal> = {}): Proposal => ({
  name,
  dir: `/home/u/runs/${name}`,
  metrics: 'metrics.jsonl',
  kind: 'jsonl',
  why: 'JSON lines',
  ...extra,
});

const plan = (proposals: Proposal[], sshConfig?: string) => ({
  alias: 'ec2',
  home: '/home/u',
  proposals,
  ...(sshConfig ? { sshConfig } : {}),
});

describe('the written config', () => {
  it('loads with the real loader: host, workers with ~ dirs, log, process, totalEpochs, sshConfig', () => {
    const text = configText(
      null,
      plan(
        [
          proposal('i3d', { log: 'train.log', process: { pidFile: 'train.pid' }, totalEpochs: 50 }),
          proposal('hf', {
            dir: '/data/hf',
            metrics: 'runs/x/events.out.tfevents.*',
            process: { match: 'train.py --a' },
          }),
        ],
        '/tmp/ssh_config',
      ),
      new Date('2026-12-03T00:00:00Z'),
    );
    expect(text).toMatch(/^# Written by `vigil init` on 2026-12-03/);
    expect(text).toContain('process: { pidFile: train.pid }');
    const cfg = parseConfig(text, '/tmp/config.yaml');
    expect(cfg.sshConfig).toBe('/tmp/ssh_config');
    expect(Object.keys(cfg.hosts)).toEqual(['ec2']);
    expect(cfg.workers.map((w) => [w.name, w.host, w.dir, w.metrics.path, w.totalEpochs])).toEqual([
      ['i3d', 'ec2', '~/runs/i3d', 'metrics.jsonl', 50],
      ['hf', 'ec2', '/data/hf', 'runs/x/events.out.tfevents.*', undefined],
    ]);
    expect(cfg.workers[1]!.process).toEqual({ match: 'train.py --a' });
  });

  it('adds to an existing config, keeping its comments and skipping runs it already watches', () => {
    const existing = [
      '# my config',
      'hosts:',
      '  gpu: {} # the big box',
      'workers:',
      '  - name: old',
      '    host: ec2',
      '    dir: ~/runs/i3d',
      '    metrics: metrics.jsonl',
      '',
    ].join('\n');
    const text = configText(existing, plan([proposal('i3d'), proposal('slowfast')]));
    expect(text).toContain('# my config');
    expect(text).toContain('# the big box');
    const cfg = parseConfig(text, '/tmp/config.yaml');
    expect(Object.keys(cfg.hosts)).toEqual(['gpu', 'ec2']);
    expect(cfg.workers.map((w) => w.name)).toEqual(['old', 'slowfast']);
    expect([...existingNames(existing)]).toEqual(['old']);
  });

  it('replaces a file that is not a mapping (the diff then shows it all)', () => {
    const text = configText('- just a list\n', plan([proposal('a')]));
    expect(parseConfig(text, '/tmp/c.yaml').workers).toHaveLength(1);
  });
});

describe('lineDiff', () => {
  it('marks removed and added lines with context, eliding the rest', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n');
    const b = ['1', '2', '3', '4', '5', '6', '7x', '8', '9'].join('\n');
    expect(lineDiff(a, b, 1)).toEqual(['  …', '  6', '- 7', '+ 7x', '  8', '+ 9']);
  });
  it('nothing for equal texts', () => {
    expect(lineDiff('a\nb', 'a\nb')).toEqual([]);
  });
});

describe('parseTarget', () => {
  it.each([
    [undefined, {}],
    ['ec2', { host: 'ec2' }],
    ['ec2:~/runs', { host: 'ec2', dir: '~/runs' }],
    ['ec2:', { host: 'ec2' }],
    ['ec2:/a:b', { host: 'ec2', dir: '/a:b' }],
  ])('%s', (t, want) => expect(parseTarget(t)).toEqual(want));
});

describe('sshConfigOf', () => {
  it('the ssh config an existing config names, resolved as the loader does', () => {
    expect(sshConfigOf(null, '/c/config.yaml')).toBeUndefined();
    expect(sshConfigOf('hosts: {}\n', '/c/config.yaml')).toBeUndefined();
    expect(sshConfigOf('sshConfig: ssh/cfg\n', '/c/config.yaml')).toBe('/c/ssh/cfg');
    expect(sshConfigOf('sshConfig: /etc/x\n', '/c/config.yaml')).toBe('/etc/x');
    expect(sshConfigOf('sshConfig: ~/.ssh/work\n', '/c/config.yaml')).toMatch(/\/\.ssh\/work$/);
  });
});
