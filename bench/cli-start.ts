// How long `vigil --help` takes, start to exit, against Node itself (`node -e 0`) in the same run:
// what a person typing `vigil` waits for. The real bin/vigil runs (the bundled CLI, with the check that
// the bundle matches the sources); the two are timed alternately so a busy moment hits both. On a
// shared machine wall time swings with the neighbours' load, so the CPU time each process used (user +
// system, reported by the process itself at exit through a preloaded hook, the same for both) is
// printed as well: it moves far less with the load.
//   npx tsx bench/cli-start.ts [--quick]      (10 runs each; --quick: 5)
// Prints `BENCH cli_start_ms <median> ms baseline=<node -e 0 median> ratio=<baseline/vigil>` and
// `BENCH cli_start_cpu_ms …` likewise.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bench, note, QUICK, tempDir } from './lib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'vigil');
const RUNS = QUICK ? 5 : 10;
const hook = path.join(tempDir('cli-start'), 'cpu.cjs');
writeFileSync(
  hook,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the hook's own source text, a template literal in it
  "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, `\\nCPU ${(u.user + u.system) / 1000}\\n`); });\n",
);

function timeOnce(args: string[]): { wall: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', hook, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  const cpu = Number(/CPU ([\d.]+)/.exec(r.stderr)?.[1]);
  return { wall, cpu };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// One untimed run each: the bundle is (re)built if the sources changed, and the file cache is warm.
timeOnce([BIN, '--help']);
timeOnce(['-e', '0']);
const vigil: { wall: number; cpu: number }[] = [];
const node: { wall: number; cpu: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  vigil.push(timeOnce([BIN, '--help']));
  node.push(timeOnce(['-e', '0']));
}
const list = (xs: { wall: number }[]) => xs.map((x) => x.wall.toFixed(0)).join(' ');
const v = median(vigil.map((x) => x.wall));
const b = median(node.map((x) => x.wall));
const vc = median(vigil.map((x) => x.cpu));
const bc = median(node.map((x) => x.cpu));
note(`vigil --help: ${list(vigil)} ms; node -e 0: ${list(node)} ms (wall)`);
note(`CPU: vigil --help ${vc.toFixed(0)} ms, node -e 0 ${bc.toFixed(0)} ms (medians, user + system)`);
note(
  `Vigil's own share: ${(v - b).toFixed(0)} ms wall, ${(vc - bc).toFixed(0)} ms CPU on top of Node's start (target: vigil --help ≤ 150 ms)`,
);
bench('cli_start_ms', v, 'ms', b, b / v);
bench('cli_start_cpu_ms', vc, 'ms', bc, bc / vc);
