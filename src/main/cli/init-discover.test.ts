import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ContentFacts,
  classify,
  discoveryScript,
  logEpochs,
  matchFor,
  orphanProcesses,
  parseDiscovery,
  propose,
  runDirOf,
  trainerStateEpochs,
  workerName,
} from './init-discover';

const facts = (logs: string[] = [], totals: [string, number][] = []): ContentFacts => ({
  progressLogs: new Map(logs.map((l) => [l, l.endsWith('.txt.log') ? 'text' : null])),
  totalEpochs: new Map(totals),
});
const file = (path: string, mtimeSec = 1000) => ({ path, size: 10, mtimeSec });

describe('the discovery script', () => {
  it('quotes the folder, bounds depth and count, and separates fields with NUL', () => {
    const s = discoveryScript("/home/u/it's $(rm -rf)", { maxDepth: 3, maxFiles: 10, maxProcesses: 5 });
    expect(s).toContain(`find '/home/u/it'\\''s $(rm -rf)' -mindepth 1 -maxdepth 3`);
    expect(s).toContain('head -z -n 44'); // 10 files × 4 fields, plus one more to tell it was cut
    expect(s).toContain("-printf 'F\\0%s\\0%T@\\0%p\\0'");
    expect(s).toContain('head -n 5');
  });

  it('reads files and processes, names with newlines and quotes kept whole, stray text dropped', () => {
    const out =
      'banner\nF\x0012\x001700000000.5\x00/r/a\nb/metrics.jsonl\x00F\x003\x00x\x00/bad\x00' +
      "P\x00123\x00/r/run 1\x00python train.py --x 'y'\x00P\x00nope\x00/\x00z\x00";
    const d = parseDiscovery(out);
    expect(d.files).toEqual([{ path: '/r/a\nb/metrics.jsonl', size: 12, mtimeSec: 1700000000.5 }]);
    expect(d.processes).toEqual([{ pid: 123, cwd: '/r/run 1', args: "python train.py --x 'y'" }]);
    expect(d.truncated).toBe(false);
  });

  it('run by sh on this machine: odd names are one field each, pruned folders skipped below the root only', () => {
    // The root itself may be called like a pruned folder (~/wandb): it is still walked.
    const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-disc-')), 'wandb');
    for (const rel of [
      "it's a\nrun/metrics.jsonl",
      'x/node_modules/y/metrics.jsonl',
      'deep/1/2/3/4/5/metrics.jsonl',
    ]) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), '{"loss": 1}\n');
    }
    const out = execFileSync('sh', ['-c', discoveryScript(root)]).toString();
    expect(parseDiscovery(out).files.map((f) => path.relative(root, f.path))).toEqual([
      "it's a\nrun/metrics.jsonl",
    ]);
  });

  it('says when the listing was cut at its bound', () => {
    const rec = (i: number) => `F\x001\x001\x00/r/${i}.jsonl\x00`;
    const d = parseDiscovery(rec(1) + rec(2) + rec(3), { maxDepth: 1, maxFiles: 2, maxProcesses: 1 });
    expect(d.files).toHaveLength(2);
    expect(d.truncated).toBe(true);
  });
});

describe('what a file is, and whose run', () => {
  it.each([
    ['/r/a/metrics.jsonl', 'jsonl'],
    ['/r/a/lightning_logs/version_3/metrics.csv', 'lightning-csv'],
    ['/r/a/results.csv', 'csv'],
    ['/r/a/runs/Dec03_10-00-00_box/events.out.tfevents.1.box.2.0', 'tfevents'],
    ['/r/a/checkpoint-500/trainer_state.json', 'checkpoint-state'],
    ['/r/a/trainer_state.json', 'trainer-state'],
    ['/r/a/train.log', 'log'],
    ['/r/a/train.pid', 'pid'],
    ['/r/a/model.pt', null],
  ])('%s → %s', (p, kind) => expect(classify(p)).toBe(kind));

  it.each([
    ['/r/exp1/lightning_logs/version_0/metrics.csv', '/r/exp1'],
    ['/r/hf/runs/Dec03_10-00-00_box/events.out.tfevents.1', '/r/hf'],
    ['/r/hf/checkpoint-500/trainer_state.json', '/r/hf'],
    ['/r/i3d/results/metrics.jsonl', '/r/i3d'],
    ['/r/logs/train.log', '/r'], // a container at the top stops at the root, never above it
    ['/r/metrics.jsonl', '/r'],
  ])('%s belongs to %s', (p, dir) => expect(runDirOf(p, '/r')).toBe(dir));

  it('names workers after their folder: valid characters, unique regardless of case', () => {
    const taken = new Set(['i3d']);
    expect(workerName('/r/I3D', taken)).toBe('I3D-2');
    expect(workerName('/r/my run (v2)', taken)).toBe('my-run-v2');
    expect(workerName('/r/my run (v2)', taken)).toBe('my-run-v2-2');
    expect(workerName('/r/...', taken)).toBe('run');
  });
});

describe('proposals', () => {
  const root = '/r';
  it('one worker per run directory, the best-ranked metrics file, a log, a pid file and a total', () => {
    const found = parseDiscovery('');
    found.files.push(
      file('/r/lit/lightning_logs/version_0/metrics.csv', 1),
      file('/r/lit/lightning_logs/version_1/metrics.csv', 2), // newer version wins
      file('/r/hf/checkpoint-500/trainer_state.json'),
      file('/r/hf/runs/Dec03_10-00-00_box/events.out.tfevents.1.box'),
      file('/r/hf/runs/Dec03_10-00-00_box/events.out.tfevents.2.box'),
      file('/r/i3d/results/metrics.jsonl'),
      file('/r/i3d/logs/train.log'),
      file('/r/i3d/train.pid'),
      file('/r/noise/debug.log'), // no progress lines: not proposed
    );
    const got = propose(
      root,
      found,
      facts(['/r/i3d/logs/train.log'], [['/r/hf/checkpoint-500/trainer_state.json', 39]]),
    );
    expect(got.map((p) => [p.name, p.metrics, p.kind])).toEqual([
      ['hf', 'runs/Dec03_10-00-00_box/events.out.tfevents.*', 'tfevents'],
      ['i3d', 'results/metrics.jsonl', 'jsonl'],
      ['lit', 'lightning_logs/version_1/metrics.csv', 'lightning-csv'],
    ]);
    expect(got[0]!.totalEpochs).toBe(39);
    expect(got[1]).toMatchObject({ log: 'logs/train.log', process: { pidFile: 'train.pid' } });
    expect(got[2]!.why).toBe('Lightning CSV; 1 other candidate(s)');
  });

  it('a checkpoint trainer_state.json alone is proposed, a log with progress alone too', () => {
    const found = parseDiscovery('');
    found.files.push(file('/r/a/checkpoint-500/trainer_state.json'), file('/r/b/train.txt.log'));
    const got = propose(root, found, facts(['/r/b/train.txt.log'], [['/r/b/train.txt.log', 50]]));
    expect(got.map((p) => [p.name, p.metrics, p.format, p.totalEpochs])).toEqual([
      ['a', 'checkpoint-500/trainer_state.json', undefined, undefined],
      ['b', 'train.txt.log', 'text', 50],
    ]);
  });

  it('a training process working in a run directory becomes its process.match; one elsewhere is noted', () => {
    const found = parseDiscovery('');
    found.files.push(file('/r/a/metrics.jsonl'));
    found.processes.push(
      { pid: 7, cwd: '/r/a', args: '/usr/bin/python3 -u train_i3d.py --lr 1e-3 --glob [x]*' },
      { pid: 8, cwd: '/r/empty', args: 'python train.py' },
      { pid: 9, cwd: '/elsewhere', args: 'python train.py' },
    );
    const got = propose(root, found, facts());
    expect(got[0]!.process).toEqual({ match: 'train_i3d.py --lr 1e-3 --glob x' });
    expect(orphanProcesses(root, found, got).map((p) => p.pid)).toEqual([8]);
  });

  it('avoids the names an existing config already has', () => {
    const found = parseDiscovery('');
    found.files.push(file('/r/I3D/metrics.jsonl'));
    expect(propose(root, found, facts(), new Set(['i3d']))[0]!.name).toBe('I3D-2');
  });

  it('matchFor keeps the script and its arguments', () => {
    expect(matchFor('torchrun --nproc 8 train.py --cfg a.yaml')).toBe('train.py --cfg a.yaml');
  });
});

describe('totals stated by files', () => {
  it('trainer_state.json num_train_epochs (rounded up when fractional)', () => {
    expect(trainerStateEpochs('  "max_steps": 5000,\n  "num_train_epochs": 39,\n')).toBe(39);
    expect(trainerStateEpochs('"num_train_epochs": 2.5')).toBe(3);
    expect(trainerStateEpochs('"num_train_epochs": 0')).toBeUndefined();
    expect(trainerStateEpochs('{}')).toBeUndefined();
  });
  it('the newest "Epoch 3/50" or "Epoch [3/50]" line; MMDetection\'s "Epoch [3][50/361]" is not a total', () => {
    expect(logEpochs('Epoch 1/40 - loss 2\nEpoch [3/50] loss 1')).toBe(50);
    expect(logEpochs('Epoch [3][50/361]\tlr: 0.02')).toBeUndefined();
    expect(logEpochs('step 10 loss 1')).toBeUndefined();
  });
});
