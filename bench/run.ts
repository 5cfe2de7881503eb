// `npm run bench [-- --quick]`: runs every benchmark here, each in its own process, echoes its
// `BENCH <name> <value> <unit> baseline=<v> ratio=<r>` lines and writes them to bench/results.json.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const BENCHES = [
  'cli-start.ts',
  'series.ts',
  'probe.ts',
  'ingest.ts',
  'freshness.ts',
  'wire.ts',
  'wire-follow.ts',
  'spawns.ts',
  'remote-cpu.ts',
  'chart.ts',
  'scale.ts',
  'unreachable.ts',
  'alert-delivery.ts',
  'outbox-kill.ts',
  'soak.ts',
];

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
}

function runOne(file: string): Promise<{ figures: Figure[]; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, file), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const figures: Figure[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        process.stdout.write(`${line}\n`);
        const m = line.match(/^BENCH (\S+) (\S+) (\S+)(?: baseline=(\S+))?(?: ratio=(\S+))?/);
        if (m) {
          figures.push({
            name: m[1]!,
            value: Number(m[2]),
            unit: m[3]!,
            baseline: m[4] === undefined ? null : Number(m[4]),
            ratio: m[5] === undefined ? null : Number(m[5]),
          });
        }
        nl = buf.indexOf('\n');
      }
    });
    child.on('close', (code) => resolve({ figures, code }));
  });
}

const all: Figure[] = [];
let failed = 0;
for (const file of BENCHES) {
  const { figures, code } = await runOne(file);
  all.push(...figures);
  if (code !== 0) {
    failed++;
    console.error(`bench: ${file} exited with ${code}`);
  }
}
const out = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  quick: args.includes('--quick'),
  figures: all,
};
writeFileSync(path.join(here, 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`bench: ${all.length} figures written to bench/results.json`);
process.exitCode = failed ? 1 : 0;
