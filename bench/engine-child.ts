// Not a benchmark: the engine alone in its own process (what `vigil serve` runs, without the web server),
// measuring itself for scale.ts and soak.ts. After a warm-up it samples RSS and open fds, counts records read,
// and at the end prints one JSON line: CPU % of one core, the samples, event-loop delay p99 (ms).
//   tsx bench/engine-child.ts CONFIG DATA_DIR WARMUP_MS DURATION_MS SAMPLE_MS

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { EngineService } from '../src/main/engine/fleet/service';

const [configPath, dataDir, warmupArg, durationArg, sampleArg] = process.argv.slice(2);
const warmupMs = Number(warmupArg);
const durationMs = Number(durationArg);
const sampleMs = Number(sampleArg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// BENCH_RECORDS_HELD: a smaller bound on records held per worker, so a short soak reaches it.
const held = process.env.BENCH_RECORDS_HELD ? Number(process.env.BENCH_RECORDS_HELD) : undefined;
const engine = new EngineService({ configPath: configPath!, dataDir: dataDir!, recordsHeldPerWorker: held });
await engine.start();
await sleep(warmupMs);
const records = () => engine.snapshot().workers.reduce((n, w) => n + w.records, 0);
const running = () => engine.snapshot().workers.filter((w) => w.status === 'running').length;
// BENCH_CPU_PROF=DIR: a V8 CPU profile of the measured window only (not start-up), to find where time goes.
const profileDir = process.env.BENCH_CPU_PROF;
const inspector = profileDir ? new Session() : null;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}
/** CPU ticks (user+system) per thread, from /proc (Linux): the main thread vs GC helpers and the thread pool. */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
      const name = Number(tid) === process.pid ? 'main' : comm;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
    }
  } catch {
    // not Linux
  }
  return out;
}
/** Voluntary context switches of the main thread: each is the event loop going to sleep to be woken. */
function contextSwitches(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0; // not Linux
  }
}
const ticks0 = threadTicks();
const switches0 = contextSwitches();
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// Samples go into columns allocated up front: an array of sample objects grew the JS heap by ~0.4 MB/h,
// which the soak's heap slope then counted as the engine's (found with two heap snapshots).
const capacity = Math.ceil(durationMs / sampleMs) + 2;
const cols = {
  t: new Float64Array(capacity),
  rss: new Float64Array(capacity),
  heap: new Float64Array(capacity),
  fds: new Float64Array(capacity),
};
let taken = 0;
// Counted at the ends only: a fleet snapshot per sample was the bench's own CPU in the figure.
const recordsAtStart = records();
// soak.ts sets BENCH_GC: a full collection before each sample, so RSS shows what is held, not garbage.
const gc = process.env.BENCH_GC ? (globalThis as { gc?: () => void }).gc : undefined;
// BENCH_HEAP_AT="s1,s2,..." with BENCH_HEAP_DIR: a V8 heap snapshot at those seconds of the window, to
// compare what is held (after the forced GC of that sample).
const heapAt = (process.env.BENCH_HEAP_AT ?? '').split(',').filter(Boolean).map(Number);
while (performance.now() - t0 < durationMs && taken < capacity) {
  gc?.();
  const elapsedS = (performance.now() - t0) / 1000;
  if (process.env.BENCH_HEAP_DIR && heapAt.length > 0 && elapsedS >= heapAt[0]!) {
    heapAt.shift();
    writeHeapSnapshot(path.join(process.env.BENCH_HEAP_DIR, `engine-${Math.round(elapsedS)}s.heapsnapshot`));
  }
  const mem = process.memoryUsage();
  cols.t[taken] = (performance.now() - t0) / 1000;
  cols.rss[taken] = mem.rss;
  cols.heap[taken] = mem.heapUsed;
  cols.fds[taken] = readdirSync('/proc/self/fd').length;
  taken++;
  await sleep(sampleMs);
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const recordsAtEnd = records();
const threadsPct: Record<string, number> = {};
for (const [name, t] of threadTicks()) {
  const pct = (((t - (ticks0.get(name) ?? 0)) * 10) / wall) * 100; // 100 ticks a second (USER_HZ)
  if (pct >= 0.1) threadsPct[name] = Math.round(pct * 10) / 10;
}
if (inspector && profileDir) {
  const { profile } = await inspector.post('Profiler.stop');
  writeFileSync(path.join(profileDir, `engine-${process.pid}.cpuprofile`), JSON.stringify(profile));
}
lag.disable();
const summary = {
  cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
  // Where it goes: JavaScript and ssh2's crypto (user) vs syscalls — fsync, writes, sockets (system).
  userPct: (cpu.user / 1000 / wall) * 100,
  systemPct: (cpu.system / 1000 / wall) * 100,
  threadsPct,
  wakeupsPerS: ((contextSwitches() - switches0) * 1000) / wall,
  lagP99Ms: lag.percentile(99) / 1e6,
  lagMaxMs: lag.max / 1e6,
  running: running(),
  workers: engine.snapshot().workers.length,
  recordsAtStart,
  recordsAtEnd,
  samples: Array.from({ length: taken }, (_, i) => ({
    t: cols.t[i]!,
    rss: cols.rss[i]!,
    heap: cols.heap[i]!,
    fds: cols.fds[i]!,
  })),
};
await engine.stop();
// Exit once the line is written: a pipe takes a long run's samples (hundreds of KB) in several writes.
process.stdout.write(`${JSON.stringify(summary)}\n`, () => process.exit(0));
