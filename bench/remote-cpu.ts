// CPU time Vigil's own processes use on the watched host, per minute: the test sshd serves Vigil alone,
// so the utime+stime (+ the reaped children's cutime+cstime) of its listener and every process under it
// (session sshd, control shell, each probe's and vitals run's `timeout`, `sh`, `stat`, `ps`, `awk`, the
// nvidia-smi stand-in, the follower) is Vigil's cost. README's typical host: 4 workers (metrics + log each,
// 2 pid files, 2 patterns), followed (the default; the follower's start is in the warm-up), then polled
// every 1 s (`follow: false`, `remote_cpu_ms_per_min_polling`), vitals on at their defaults (10 s; GPU queries every 15 s
// against the stand-in nvidia-smi on the host's PATH), each file appended every second. Measured again
// with `vitals: false` for the vitals' own share. Baselines in the same run, on the same sshd: one
// `ssh host tail -c +N file` per poll (1 s), and the script researchers write, `scp` of the four metrics
// files every 60 s.
//   npx tsx bench/remote-cpu.ts [--quick] [--parts]   (10 min each; --quick: 1 min; --parts: the parts alone)
// Prints `BENCH remote_cpu_ms_per_min <ms> ms/min baseline=<tail loop> ratio=<baseline/ours>`, the same
// against scp, and each part alone (runs back to back, CPU per run × runs a minute): the file probe
// (`remote_cpu_probe_ms_per_min`) and the vitals, read by the follower (`remote_cpu_vitals_ms_per_min`) and
// by the vitals script on a polled host (`remote_cpu_vitals_script_ms_per_min`).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openFleet } from '../src/main/engine/fleet/open-fleet';
import { fakeNvidiaSmi } from '../test/support/fake-nvidia-smi';
import { descendantsOf } from '../test/support/proc';
import { startSshd } from '../test/support/sshd';
import {
  bench,
  firstTicks,
  jsonlRecord,
  note,
  QUICK,
  run,
  sleep,
  tempDir,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const WINDOW_MS = QUICK ? 60_000 : 10 * 60_000;
const PARTS_ONLY = process.argv.includes('--parts');
const TAIL_MS = QUICK ? 20_000 : 2 * 60_000;
const SCP_EVERY_MS = 60_000;
const SCP_COUNT = QUICK ? 2 : 5;
/** USER_HZ: /proc/PID/stat counts CPU time in hundredths of a second. */
const TICK_MS = 10;

const dir = tempDir('remote-cpu');
const smi = fakeNvidiaSmi(path.join(dir, 'smi'));
const sshd = await startSshd({ extraConfig: [`SetEnv PATH=${smi.dir}:/usr/local/bin:/usr/bin:/bin`] });

/** CPU ms of the sshd listener and everything under it, including what exited and was reaped. */
function sshdCpuMs(): number {
  let ticks = 0;
  for (const pid of [sshd.pid, ...descendantsOf(sshd.pid)]) {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited between the listing and the read: its time is in its parent's cutime by now
    }
  }
  return ticks * TICK_MS;
}

const names = ['i3d', 'slowfast', 'transformer', 'magvit'];
const workers = names.map((name, i) => ({ name, wdir: path.join(dir, name), i }));
const sleepers: ChildProcess[] = [];
for (const w of workers) {
  mkdirSync(w.wdir, { recursive: true });
  writeFileSync(path.join(w.wdir, 'metrics.jsonl'), jsonlRecord(0));
  writeFileSync(path.join(w.wdir, 'train.log'), 'starting\n');
  // A "training run" with two DataLoader-like children, for the vitals' process trees.
  const p = spawn('sh', ['-c', `sleep 3600 & sleep 3600 & wait # vigil-bench-train-${w.name}`], {
    stdio: 'ignore',
  });
  sleepers.push(p);
  writeFileSync(path.join(w.wdir, 'train.pid'), `${p.pid}\n`);
}
const sshConfig = writeSshConfig(sshd, [{ name: 'remote', port: sshd.port }]);

/** Vigil watching for `ms` while the trainers write each second; returns remote CPU ms per minute. */
async function watch(vitals: boolean, ms: number, follow = true): Promise<number> {
  const configPath = writeVigilConfig({
    sshConfig,
    hosts: { remote: { ...(vitals ? {} : { vitals: false }), ...(follow ? {} : { follow: false }) } },
    workers: workers.map((w) => ({
      name: w.name,
      host: 'remote',
      dir: w.wdir,
      metrics: 'metrics.jsonl',
      log: 'train.log',
      process: w.i % 2 === 0 ? { pidFile: 'train.pid' } : { match: `vigil-bench-train-${w.name}` },
    })),
  });
  const { fleet } = await openFleet({ configPath, dataDir: tempDir('remote-cpu-data') });
  let n = 0;
  const writer = setInterval(() => {
    n++;
    for (const w of workers) {
      writeFileSync(path.join(w.wdir, 'metrics.jsonl'), jsonlRecord(n), { flag: 'a' });
      writeFileSync(path.join(w.wdir, 'train.log'), `step ${n}\n`, { flag: 'a' });
    }
  }, 1000);
  fleet.start();
  await sleep(15_000); // connected, caught up, the page size and patterns found
  const c0 = sshdCpuMs();
  const t0 = Date.now();
  await sleep(ms);
  const used = sshdCpuMs() - c0;
  const perMin = used / ((Date.now() - t0) / 60_000);
  clearInterval(writer);
  const snap = fleet.snapshot();
  const mode = fleet.hosts[0]!.followStatus();
  if (follow && mode.mode !== 'follow') throw new Error(`bench: the host was not followed: ${mode.detail}`);
  await fleet.stop();
  await sleep(500);
  if (vitals) {
    const h = snap.hosts?.[0];
    note(
      `remote-cpu: ${mode.mode} (${mode.detail}), vitals ${h?.vitals ? 'read' : 'MISSING'}, GPUs ${h?.gpus.length ?? 0}, ` +
        `RSS of i3d ${snap.workers[0]?.resources?.rssBytes ?? 'none'}, smi calls ${smi.calls().length}`,
    );
  }
  return perMin;
}

/**
 * One part alone, back to back on one connection: `n` probes, or `n` vitals runs (each as it would run
 * on its 10 s tick, GPU queries in turn): remote CPU ms per run.
 */
async function perRun(part: 'probe' | 'vitals', n: number, follow = true): Promise<number> {
  const configPath = writeVigilConfig({
    sshConfig,
    hosts: { remote: follow ? {} : { follow: false } },
    workers: workers.map((w) => ({
      name: w.name,
      host: 'remote',
      dir: w.wdir,
      metrics: 'metrics.jsonl',
      log: 'train.log',
      process: w.i % 2 === 0 ? { pidFile: 'train.pid' } : { match: `vigil-bench-train-${w.name}` },
    })),
  });
  const { fleet } = await openFleet({ configPath, dataDir: tempDir('remote-cpu-part') });
  const host = fleet.hosts[0]!;
  // Followed: the vitals are read by the follower once it runs.
  await firstTicks(host, follow);
  const session = (await host.ensureSession())!;
  for (let i = 0; i < 3; i++) {
    host.sampler!.forceDue();
    await host.runVitals(session); // patterns found, GPU queries started
    await sleep(300);
  }
  const c0 = sshdCpuMs();
  for (let i = 0; i < n; i++) {
    if (part === 'vitals') {
      host.sampler!.forceDue();
      await host.runVitals(session);
      await sleep(200); // the GPU query of this run finishes before the next collects it
    } else await host.tick();
  }
  await sleep(500);
  const ms = (sshdCpuMs() - c0) / n;
  const by = host.vitalsRead;
  if (part === 'vitals' && (follow ? by.follower : by.script) < n)
    throw new Error(
      `bench: vitals read ${JSON.stringify(by)}, not ${n} by the ${follow ? 'follower' : 'script'}`,
    );
  await fleet.stop();
  return ms;
}

try {
  const runs = QUICK ? 30 : 120;
  const vitalsMs = await perRun('vitals', runs);
  const vitalsScriptMs = await perRun('vitals', runs, false);
  const probeMs = await perRun('probe', runs, false); // polled: a followed tick runs none
  note(
    `remote-cpu: one probe ${probeMs.toFixed(2)} ms (× 60 a minute at the 1 s poll = ${(probeMs * 60).toFixed(0)} ms/min); ` +
      `one vitals reading by the follower ${vitalsMs.toFixed(2)} ms (× 6 a minute at 10 s = ${(vitalsMs * 6).toFixed(0)} ms/min), ` +
      `by the vitals script (polled hosts) ${vitalsScriptMs.toFixed(2)} ms (${(vitalsScriptMs * 6).toFixed(0)} ms/min); ${runs} of each`,
  );
  bench('remote_cpu_vitals_ms_per_min', vitalsMs * 6, 'ms/min', null, null);
  bench('remote_cpu_vitals_script_ms_per_min', vitalsScriptMs * 6, 'ms/min', null, null);
  bench('remote_cpu_probe_ms_per_min', probeMs * 60, 'ms/min', null, null);
  if (!PARTS_ONLY) await whole();
} finally {
  for (const s of sleepers) s.kill('SIGKILL');
  await sshd.stop();
}

/** The whole host for WINDOW_MS each way, and the baselines. */
async function whole(): Promise<void> {
  const withVitals = await watch(true, WINDOW_MS);
  const without = await watch(false, WINDOW_MS);
  const polling = await watch(true, WINDOW_MS, false);

  // Baseline 1: one fresh `ssh host tail -c +N file` per 1 s poll.
  const file = path.join(workers[0]!.wdir, 'metrics.jsonl');
  let c0 = sshdCpuMs();
  let t0 = Date.now();
  for (let i = 0; Date.now() - t0 < TAIL_MS; i++) {
    const started = Date.now();
    await run('ssh', ['-F', sshConfig, 'remote', `tail -c +${i * 100} ${file}`]);
    await sleep(Math.max(0, 1000 - (Date.now() - started)));
  }
  await sleep(500);
  const tail = (sshdCpuMs() - c0) / ((Date.now() - t0) / 60_000);

  // Baseline 2: `scp` of the four metrics files every 60 s.
  const local = tempDir('remote-cpu-scp');
  c0 = sshdCpuMs();
  t0 = Date.now();
  for (let i = 0; i < SCP_COUNT; i++) {
    const started = Date.now();
    await run('scp', ['-F', sshConfig, '-q', ...workers.map((w) => `remote:${w.wdir}/metrics.jsonl`), local]);
    if (i < SCP_COUNT - 1) await sleep(Math.max(0, SCP_EVERY_MS - (Date.now() - started)));
  }
  await sleep(500);
  const scp = (sshdCpuMs() - c0) / (Math.max(Date.now() - t0, SCP_COUNT * SCP_EVERY_MS) / 60_000);

  note(
    `remote-cpu: ${WINDOW_MS / 60_000} min each; Vigil ${withVitals.toFixed(0)} ms/min with vitals, ` +
      `${without.toFixed(0)} without (follow mode); polling every 1 s ${polling.toFixed(0)} with vitals; ssh tail per 1 s poll ${tail.toFixed(0)} ms/min; scp every 60 s ${scp.toFixed(0)} ms/min`,
  );
  bench('remote_cpu_ms_per_min', withVitals, 'ms/min', tail, tail / withVitals);
  bench('remote_cpu_ms_per_min_vs_scp', withVitals, 'ms/min', scp, scp / withVitals);
  bench('remote_cpu_ms_per_min_polling', polling, 'ms/min', tail, tail / polling);
}
