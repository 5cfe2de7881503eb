import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nearestPath, nearestPathScript } from './nearest-path';

describe('the nearest existing path', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'vigil-near-'));
  mkdirSync(path.join(root, 'worker_1', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'worker_1', 'results', 'metrics.jsonl'), '');
  writeFileSync(path.join(root, 'worker_1', 'results', 'Val.csv'), '');
  // The script runs in a real sh, as on the host.
  const near = (missing: string) =>
    nearestPath(missing, execFileSync('sh', ['-c', nearestPathScript(missing)], { encoding: 'utf8' }));

  it('a misspelt file name: its sibling', () => {
    expect(near(`${root}/worker_1/results/metric.jsonl`)).toBe(`${root}/worker_1/results/metrics.jsonl`);
    expect(near(`${root}/worker_1/results/val.csv`)).toBe(`${root}/worker_1/results/Val.csv`);
  });

  it('a misspelt folder: the nearest folder, the rest of the path as written', () => {
    expect(near(`${root}/worker_l/results/metrics.jsonl`)).toBe(`${root}/worker_1/results/metrics.jsonl`);
    expect(near(`${root}/wroker_1/results/metrics.jsonl`)).toBe(`${root}/worker_1/results/metrics.jsonl`);
  });

  it('nothing near: nothing suggested; a path with quotes and spaces is safe', () => {
    expect(near(`${root}/worker_1/results/checkpoints/last.pt`)).toBeNull();
    expect(near(`${root}/completely-different/m.csv`)).toBeNull();
    expect(near(`${root}/it's a "dir"/$(touch PWNED)/m.csv`)).toBeNull();
    expect(() => execFileSync('ls', [path.join(process.cwd(), 'PWNED')], { stdio: 'ignore' })).toThrow();
  });
});
