// How long `vigil --help` takes, start to exit, against Node itself (`node -e 0`) in the same run:
// what a person typing `vigil` waits for. The real bin/vigil runs (the bundled CLI, with the check that
// the bundle matches the sources); the two are timed alternately so a busy moment hits both.
//   npx tsx bench/cli-start.ts [--quick]      (10 runs each; --quick: 5)
// Prints `BENCH cli_start_ms <median> ms baseline=<node -e 0 median> ratio=<baseline/vigil>`.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bench, note, QUICK } from './lib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'vigil');
const RUNS = QUICK ? 5 : 10;

function timeOnce(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// One untimed run each: the bundle is (re)built if the sources changed, and the file cache is warm.
timeOnce([BIN, '--help']);
timeOnce(['-e', '0']);
const vigil: number[] = [];
const node: number[] = [];
for (let i = 0; i < RUNS; i++) {
  vigil.push(timeOnce([BIN, '--help']));
  node.push(timeOnce(['-e', '0']));
}
const v = median(vigil);
const b = median(node);
note(
  `vigil --help: ${vigil.map((x) => x.toFixed(0)).join(' ')} ms; node -e 0: ${node.map((x) => x.toFixed(0)).join(' ')} ms`,
);
note(`Vigil's own share: ${(v - b).toFixed(0)} ms on top of Node's start (target: vigil --help ≤ 150 ms)`);
bench('cli_start_ms', v, 'ms', b, b / v);
