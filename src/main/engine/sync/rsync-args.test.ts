import { describe, expect, it } from 'vitest';
import type { SyncRuleConfig } from '../config';
import {
  defaultDestination,
  destinationOf,
  GROWING_PATTERNS,
  isGrowingPattern,
  planRsync,
  remoteSource,
  rsyncEnv,
  splitIncludes,
} from './rsync-args';

const rule = (over: Partial<SyncRuleConfig> = {}): SyncRuleConfig => ({
  from: 'results/',
  onFinish: true,
  onStall: true,
  ...over,
});

const plan = (over: Partial<SyncRuleConfig> = {}) =>
  planRsync({
    rule: rule(over),
    worker: 'I3D',
    workerDir: '~/runs/w1',
    dataDir: '/data',
    rsh: 'ssh -F cfg',
    target: 'ec2',
    timeoutSec: 120,
  });

describe('remoteSource', () => {
  it('resolves from against the worker dir, with ~ left to the remote home', () => {
    expect(remoteSource('~/runs/w1', 'results/')).toBe('runs/w1/results/');
    expect(remoteSource('~/runs/w1', 'logs/train.log')).toBe('runs/w1/logs/train.log');
    expect(remoteSource('/srv/w1', '../shared/ckpt')).toBe('/srv/shared/ckpt');
    expect(remoteSource('/srv/w1', '/abs/x/')).toBe('/abs/x/');
    expect(remoteSource('/srv/w1', '~/elsewhere')).toBe('elsewhere');
    expect(remoteSource('~', '.')).toBe('./');
    expect(remoteSource('-odd', 'x')).toBe('./-odd/x');
  });

  it('keeps a hostile name as one path', () => {
    expect(remoteSource('/w', "a b;$(touch PWNED)'c")).toBe("/w/a b;$(touch PWNED)'c");
  });
});

describe('defaultDestination', () => {
  it('puts the contents of `from/` under <data>/sync/<worker folder>/<from>', () => {
    expect(defaultDestination('/data', 'I3D', 'results/')).toBe('/data/sync/I3D/results');
    expect(defaultDestination('/data', 'I3D', 'results')).toBe('/data/sync/I3D');
    expect(defaultDestination('/data', 'a_b~0123456789', '../x/')).toBe('/data/sync/a_b~0123456789/_.._/x');
  });

  it("a worker's sync folder is its mirror folder: names that used to meet do not", () => {
    const r = rule({ from: 'results/' });
    expect(destinationOf(r, 'exp_1', '/data')).toBe('/data/sync/exp_1/results');
    expect(destinationOf(r, 'exp/1', '/data')).toMatch(/^\/data\/sync\/exp_1~[0-9a-f]{10}\/results$/);
  });
});

describe('splitIncludes', () => {
  it('splits growing files from the rest', () => {
    expect(isGrowingPattern('events.out.tfevents.*')).toBe(true);
    expect(isGrowingPattern('logs/*.log')).toBe(true);
    expect(isGrowingPattern('*.pt')).toBe(false);
    expect(splitIncludes(undefined)).toEqual([
      { kind: 'growing', include: [...GROWING_PATTERNS] },
      { kind: 'atomic', include: null },
    ]);
    expect(splitIncludes(['*.pt'])).toEqual([{ kind: 'atomic', include: ['*.pt'] }]);
    expect(splitIncludes(['*.log', '*.pt'])).toEqual([
      { kind: 'growing', include: ['*.log'] },
      { kind: 'atomic', include: ['*.pt'] },
    ]);
  });
});

describe('planRsync', () => {
  it('pulls growing files in place and the rest through a partial-dir, never deleting', () => {
    const p = plan({ bwlimit: '5m', exclude: ['*.tmp'] });
    expect(p.to).toBe('/data/sync/I3D/results');
    expect(p.passes.map((x) => x.kind)).toEqual(['growing', 'atomic']);
    const [growing, atomic] = p.passes.map((x) => x.args);
    for (const args of [growing!, atomic!]) {
      expect(args.slice(0, 2)).toEqual(['-a', '-s']);
      expect(args).toContain('--info=progress2,stats1,flist2');
      expect(args).toContain('--timeout=120');
      expect(args).toContain('--bwlimit=5m');
      expect(args).toContain('--exclude=*.tmp');
      expect(args.some((a) => a.startsWith('--del'))).toBe(false);
      expect(args.slice(-3)).toEqual(['--', 'ec2:runs/w1/results/', '/data/sync/I3D/results/']);
      expect(args[args.indexOf('-e') + 1]).toBe('ssh -F cfg');
    }
    expect(growing).toContain('--inplace');
    expect(growing).not.toContain('--partial-dir=.vigil-partial');
    expect(growing).toEqual(expect.arrayContaining(['--include=*/', '--include=*.log', '--exclude=*']));
    expect(atomic).toContain('--partial-dir=.vigil-partial');
    expect(atomic).not.toContain('--inplace');
    expect(atomic).toContain('--exclude=events.out.tfevents.*');
    // user excludes come before any include, so they win
    expect(growing!.indexOf('--exclude=*.tmp')).toBeLessThan(growing!.indexOf('--include=*/'));
  });

  it('treats include as "only these", with one pass when every pattern is of one kind', () => {
    const p = plan({ from: 'checkpoints/', to: '/home/me/ckpt/', include: ['*.pt'] });
    expect(p.to).toBe('/home/me/ckpt');
    expect(p.passes).toHaveLength(1);
    expect(p.passes[0]!.args).toEqual(
      expect.arrayContaining(['--prune-empty-dirs', '--include=*/', '--include=*.pt', '--exclude=*']),
    );
  });
});

describe('rsyncEnv', () => {
  it('drops variables that weaken argument protection and fixes the number format', () => {
    const env = rsyncEnv({ PATH: '/bin', RSYNC_OLD_ARGS: '1', RSYNC_PROTECT_ARGS: '0', RSYNC_RSH: 'rsh' });
    expect(env).toEqual({ PATH: '/bin', LC_ALL: 'C' });
  });
});
