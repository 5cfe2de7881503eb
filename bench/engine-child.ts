// Not a benchmark: the engine alone in its own process (what `vigil serve` runs, without the web server),
// measuring itself for scale.ts and soak.ts. After a warm-up it samples RSS, open fds and records held,
// and at the end prints one JSON line: CPU % of one core, the samples, event-loop delay p99 (ms).
//   tsx bench/engine-child.ts CONFIG DATA_DIR WARMUP_MS DURATION_MS SAMPLE_MS

import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EngineService } from '../src/main/engine/service';

const [configPath, dataDir, warmupArg, durationArg, sampleArg] = process.argv.slice(2);
const warmupMs = Number(warmupArg);
const durationMs = Number(durationArg);
const sampleMs = Number(sampleArg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const engine = new EngineService({ configPath: configPath!, dataDir: dataDir! });
await engine.start();
await sleep(warmupMs);
const records = () => engine.snapshot().workers.reduce((n, w) => n + w.records, 0);
const running = () => engine.snapshot().workers.filter((w) => w.status === 'running').length;
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const samples: { t: number; rss: number; fds: number; records: number }[] = [];
// soak.ts sets BENCH_GC: a full collection before each sample, so RSS shows what is held, not garbage.
const gc = process.env.BENCH_GC ? (globalThis as { gc?: () => void }).gc : undefined;
while (performance.now() - t0 < durationMs) {
  gc?.();
  samples.push({
    t: (performance.now() - t0) / 1000,
    rss: process.memoryUsage().rss,
    fds: readdirSync('/proc/self/fd').length,
    records: records(),
  });
  await sleep(sampleMs);
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
lag.disable();
const summary = {
  cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
  // Where it goes: JavaScript and ssh2's crypto (user) vs syscalls — fsync, writes, sockets (system).
  userPct: (cpu.user / 1000 / wall) * 100,
  systemPct: (cpu.system / 1000 / wall) * 100,
  lagP99Ms: lag.percentile(99) / 1e6,
  lagMaxMs: lag.max / 1e6,
  running: running(),
  workers: engine.snapshot().workers.length,
  samples,
};
await engine.stop();
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(0);
