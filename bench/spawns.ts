// Remote process spawns per poll per host, counted for real: `strace -f` is attached to the test sshd's
// listener before anything connects, so every process forked under it (session sshd, shells, commands,
// however short-lived) is traced from birth — ptrace follows each fork/vfork/clone atomically, nothing
// can be missed. Each successful fork/vfork/clone/clone3 that is not a thread is one process started.
// Only the calls timestamped inside the measured polls count (-ttt, the same wall clock as ours).
// Vigil: the README's typical host (4 workers, metrics + log each, 2 pid files, 2 process patterns),
// polled N times (vitals off: the file poll alone), then N vitals runs on their own (each planned as on
// its tick: the GPU queries in turn against a stand-in nvidia-smi), by the vitals script (a polled host) and
// by the follower (a followed host: `remote_spawns_per_vitals_tick_followed`). Baseline: one `ssh host tail -c +N
// file` per poll (system ssh).
//   npx tsx bench/spawns.ts [--quick]        (60 polls; --quick: 10)
// Prints `BENCH remote_spawns_per_poll <n> processes baseline=<n> ratio=<baseline/ours>` and
// `BENCH remote_spawns_per_vitals_tick <n> processes` (the control shell's `timeout` and `sh` included).

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openFleet } from '../src/main/engine/fleet/open-fleet';
import { fakeNvidiaSmi } from '../test/support/fake-nvidia-smi';
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
  until,
  writeSshConfig,
  writeVigilConfig,
} from './lib';

const POLLS = QUICK ? 10 : 60;
const NAIVE = QUICK ? 3 : 20;

const dir = tempDir('spawns');
const smi = fakeNvidiaSmi(path.join(dir, 'smi'));
const sshd = await startSshd({ extraConfig: [`SetEnv PATH=${smi.dir}:/usr/local/bin:/usr/bin:/bin`] });
const traceFile = path.join(dir, 'strace.txt');
const tracer = spawn(
  'strace',
  ['-f', '-ttt', '-e', 'trace=fork,vfork,clone,clone3,execve', '-o', traceFile, '-p', String(sshd.pid)],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let tracerErr = '';
tracer.stderr!.on('data', (d) => (tracerErr += d));
const sleepers: ChildProcess[] = [];
try {
  await until(() => tracerErr.includes('attached'), 10_000, 'strace to attach');
  // Four workers, as on the README's typical host: two pid files, two patterns.
  const workers = ['i3d', 'slowfast', 'transformer', 'magvit'].map((name, i) => {
    const wdir = path.join(dir, name);
    writeFileSync(path.join(dir, `${name}.keep`), '');
    return { name, wdir, i };
  });
  for (const w of workers) {
    await run('mkdir', ['-p', w.wdir]);
    writeFileSync(path.join(w.wdir, 'metrics.jsonl'), jsonlRecord(0));
    writeFileSync(path.join(w.wdir, 'train.log'), 'starting\n');
    writeFileSync(path.join(w.wdir, 'train.pid'), `${process.pid}\n`);
    if (w.i % 2 === 1) {
      sleepers.push(
        spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', `vigil-bench-train-${w.name}`], {
          stdio: 'ignore',
        }),
      );
    }
  }
  const sshConfig = writeSshConfig(sshd, [{ name: 'remote', port: sshd.port }]);
  const configFor = (vitals: boolean) =>
    writeVigilConfig({
      sshConfig,
      hosts: { remote: vitals ? {} : { vitals: false } },
      workers: workers.map((w) => ({
        name: w.name,
        host: 'remote',
        dir: w.wdir,
        metrics: 'metrics.jsonl',
        log: 'train.log',
        process: w.i % 2 === 0 ? { pidFile: 'train.pid' } : { match: `vigil-bench-train-${w.name}` },
      })),
    });
  const { fleet, config } = await openFleet({
    configPath: configFor(false),
    dataDir: tempDir('spawns-data'),
  });
  const host = fleet.hosts[0]!;
  await host.tick(); // connect, first read
  await host.tick();
  // The measured polls: each appends to every file (so every read happens too), then one tick.
  const t0 = Date.now() / 1000;
  for (let p = 1; p <= POLLS; p++) {
    for (const w of workers) {
      writeFileSync(path.join(w.wdir, 'metrics.jsonl'), jsonlRecord(p), { flag: 'a' });
      writeFileSync(path.join(w.wdir, 'train.log'), `step ${p}\n`, { flag: 'a' });
    }
    await host.tick();
    await sleep(20);
  }
  const t1 = Date.now() / 1000;
  await fleet.stop();
  await sleep(300);

  /**
   * POLLS vitals runs alone, each as planned on its tick (after the first two: page size, patterns found),
   * on a polled host (the vitals script) or a followed one (the follower): the window they ran in.
   */
  const vitalsRuns = async (follow: boolean): Promise<[number, number]> => {
    const opened = await openFleet({ configPath: configFor(true), dataDir: tempDir('spawns-vitals') });
    const vhost = opened.fleet.hosts[0]!;
    await firstTicks(vhost, follow);
    const vsession = (await vhost.ensureSession())!;
    for (let i = 0; i < 2; i++) {
      vhost.sampler!.forceDue();
      await vhost.runVitals(vsession);
    }
    await sleep(300);
    const read0 = { ...vhost.vitalsRead };
    const from = Date.now() / 1000;
    for (let i = 0; i < POLLS; i++) {
      vhost.sampler!.forceDue();
      await vhost.runVitals(vsession);
      await sleep(150); // the GPU query started by this run ends before the next collects it
    }
    const to = Date.now() / 1000;
    const by = follow ? 'follower' : 'script';
    if (vhost.vitalsRead[by] - read0[by] !== POLLS)
      throw new Error(`bench: the ${by} read ${vhost.vitalsRead[by] - read0[by]} of ${POLLS} vitals`);
    await opened.fleet.stop();
    await sleep(300);
    return [from, to];
  };
  const [v0, v1] = await vitalsRuns(false);
  const [f0, f1] = await vitalsRuns(true);

  // The naive way, one fresh ssh per poll.
  const file = path.join(workers[0]!.wdir, 'metrics.jsonl');
  const n0 = Date.now() / 1000;
  for (let p = 0; p < NAIVE; p++) {
    await run('ssh', ['-F', sshConfig, 'remote', `tail -c +${p * 100} ${file}`]);
    await sleep(20);
  }
  const n1 = Date.now() / 1000;
  await sleep(300);
  tracer.kill('SIGINT');
  await new Promise((r) => tracer.once('exit', r));

  const trace = readFileSync(traceFile, 'utf8').split('\n');
  const count = (from: number, to: number) => {
    let procs = 0;
    let execs = 0;
    const programs = new Map<string, number>();
    for (const line of trace) {
      const m = line.match(/^\d+\s+(\d+\.\d+)\s+(.*)$/);
      if (!m) continue;
      const t = Number(m[1]);
      if (t < from || t > to) continue;
      const call = m[2]!;
      // A finished call, or the resumed half of an interrupted one, returning a child pid.
      const fork = call.match(/^(?:<\.\.\. )?(fork|vfork|clone3?)\b.*= (\d+)$/);
      if (fork && Number(fork[2]) > 0 && !call.includes('CLONE_THREAD')) procs++;
      // An execve line names the program; an interrupted one finishes in a `resumed` line later.
      const ex = call.match(/^execve\("([^"]+)"/);
      if (ex && / = -1 /.test(call)) continue;
      if (ex) {
        execs++;
        const prog = path.basename(ex[1]!);
        programs.set(prog, (programs.get(prog) ?? 0) + 1);
      }
    }
    return { procs, execs, programs };
  };
  const ours = count(t0, t1);
  const vitals = count(v0, v1);
  const followedVitals = count(f0, f1);
  const naive = count(n0, n1);
  const perPoll = ours.procs / POLLS;
  const basePerPoll = naive.procs / NAIVE;
  const show = (m: Map<string, number>, n: number) =>
    [...m].map(([k, v]) => `${k}×${(v / n).toFixed(2)}`).join(' ');
  note(
    `spawns: Vigil ${ours.procs} processes (${ours.execs} execs: ${show(ours.programs, POLLS)}) in ${POLLS} polls; ` +
      `naive ${naive.procs} (${naive.execs} execs: ${show(naive.programs, NAIVE)}) in ${NAIVE}; poll ${config.pollMs} ms`,
  );
  bench('remote_spawns_per_poll', perPoll, 'processes', basePerPoll, basePerPoll / perPoll);
  note(
    `spawns: vitals ${vitals.procs} processes (${vitals.execs} execs: ${show(vitals.programs, POLLS)}) in ${POLLS} runs`,
  );
  bench('remote_spawns_per_vitals_tick', vitals.procs / POLLS, 'processes');
  note(
    `spawns: vitals read by the follower ${followedVitals.procs} processes (${followedVitals.execs} execs: ` +
      `${show(followedVitals.programs, POLLS)}) in ${POLLS} runs`,
  );
  bench('remote_spawns_per_vitals_tick_followed', followedVitals.procs / POLLS, 'processes');
} finally {
  if (tracer.exitCode === null) tracer.kill('SIGKILL');
  for (const s of sleepers) s.kill('SIGKILL');
  await sshd.stop();
}
