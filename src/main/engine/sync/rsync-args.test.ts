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
import { capsOf, parseRsyncVersion, type RsyncCaps } from './rsync-flavour';

const GNU_32 = capsOf(parseRsyncVersion('rsync  version 3.2.7  protocol version 31'));
const GNU_30 = capsOf(parseRsyncVersion('rsync  version 3.0.9  protocol version 30'));
const GNU_269 = capsOf(parseRsyncVersion('rsync  version 2.6.9  protocol version 29'));
const OPENRSYNC = capsOf(parseRsyncVersion('openrsync: protocol version 29'));
const HOSTILE = "a b;$(touch PWNED)'c";

const rule = (over: Partial<SyncRuleConfig> = {}): SyncRuleConfig => ({
  from: 'results/',
  onFinish: true,
  onStall: true,
  ...over,
});

const plan = (over: Partial<SyncRuleConfig> = {}, caps: RsyncCaps = GNU_32, workerDir = '~/runs/w1') =>
  planRsync({
    rule: rule(over),
    worker: 'I3D',
    workerDir,
    dataDir: '/data',
    rsh: 'ssh -F cfg',
    target: 'ec2',
    timeoutSec: 120,
    caps,
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

describe('planRsync per flavour', () => {
  const all = (caps: RsyncCaps, over: Partial<SyncRuleConfig> = {}) =>
    plan({ bwlimit: '5m', exclude: ['*.tmp'], ...over }, caps).passes.flatMap((p) => p.args);

  it('GNU ≥ 3.1: -s, one progress line for the transfer, the whole list first', () => {
    const args = all(GNU_32);
    expect(args).toEqual(
      expect.arrayContaining(['-s', '--no-inc-recursive', '--info=progress2,stats1,flist2']),
    );
    expect(args).not.toContain('--progress');
  });

  it('GNU 3.0: -s and --no-inc-recursive, per-file --progress and --stats, both passes', () => {
    const p = plan({}, GNU_30);
    expect(p.passes.map((x) => x.kind)).toEqual(['growing', 'atomic']);
    for (const { args } of p.passes) {
      expect(args.slice(0, 5)).toEqual(['-a', '-s', '--no-inc-recursive', '--progress', '--stats']);
      expect(args.some((a) => a.startsWith('--info'))).toBe(false);
      expect(args.at(-2)).toBe('ec2:runs/w1/results/');
    }
  });

  it('GNU 2.6.9: no -s, so the remote path is quoted for the remote shell; no --no-inc-recursive', () => {
    const p = plan({ from: `${HOSTILE}/` }, GNU_269, `/w/${HOSTILE}`);
    for (const { args } of p.passes) {
      expect(args).not.toContain('-s');
      expect(args).not.toContain('--no-inc-recursive');
      expect(args).toEqual(expect.arrayContaining(['--progress', '--stats']));
      expect(args.at(-2)).toBe(`ec2:'/w/a b;$(touch PWNED)'\\''c/a b;$(touch PWNED)'\\''c/'`);
    }
    expect(p.passes.map((x) => x.kind)).toEqual(['growing', 'atomic']);
    expect(p.passes[0]!.args).toContain('--inplace');
    expect(p.passes[1]!.args).toContain('--partial-dir=.vigil-partial');
  });

  it('openrsync: one pass with --partial, no --inplace, --partial-dir or --prune-empty-dirs, quoted path', () => {
    const p = plan({ from: `${HOSTILE}/`, include: ['*.log', '*.pt'], exclude: ['*.tmp'] }, OPENRSYNC);
    expect(p.passes).toHaveLength(1);
    const args = p.passes[0]!.args;
    expect(args).toEqual([
      '-a',
      '--progress',
      '--stats',
      '--timeout=120',
      '-e',
      'ssh -F cfg',
      '--partial',
      '--exclude=.vigil-partial/',
      '--exclude=*.tmp',
      '--include=*/',
      '--include=*.log',
      '--include=*.pt',
      '--exclude=*',
      '--',
      `ec2:'runs/w1/a b;$(touch PWNED)'\\''c/'`,
      `/data/sync/I3D/${HOSTILE}/`,
    ]);
  });

  it.each([
    ['GNU 3.2', GNU_32],
    ['GNU 3.0', GNU_30],
    ['GNU 2.6.9', GNU_269],
    ['openrsync', OPENRSYNC],
  ])('%s: never --delete, and every option is one the flavour has', (_name, caps) => {
    for (const over of [
      {},
      { include: ['*.pt'] },
      { include: ['*.log'] },
      { bwlimit: '20m', exclude: ['x/'] },
    ]) {
      const args = all(caps, over);
      expect(args.some((a) => a.startsWith('--del'))).toBe(false);
      if (!caps.protectArgs) expect(args).not.toContain('-s');
      if (!caps.inplace) expect(args).not.toContain('--inplace');
      if (!caps.partialDir) expect(args.some((a) => a.startsWith('--partial-dir'))).toBe(false);
      if (!caps.pruneEmptyDirs) expect(args).not.toContain('--prune-empty-dirs');
      if (!caps.noIncRecursive) expect(args).not.toContain('--no-inc-recursive');
      if (!caps.infoProgress2) expect(args.some((a) => a.startsWith('--info'))).toBe(false);
    }
  });
});

describe('rsyncEnv', () => {
  it('drops variables that weaken argument protection and fixes the number format', () => {
    const env = rsyncEnv({ PATH: '/bin', RSYNC_OLD_ARGS: '1', RSYNC_PROTECT_ARGS: '0', RSYNC_RSH: 'rsh' });
    expect(env).toEqual({ PATH: '/bin', LC_ALL: 'C' });
  });
});
