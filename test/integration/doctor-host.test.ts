// `vigil doctor`'s host checks against a real sshd on this machine: each ✓/⚠/✗ as this machine
// actually is (swap, sshd's oom_score_adj, read here), a python run writing to a file with and without
// PYTHONUNBUFFERED, and a stand-in nvidia-smi that answers, then hangs.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSmi, fakeNvidiaSmi } from '../support/fake-nvidia-smi';
import { type Sshd, startSshd } from '../support/sshd';
import { freshDataDir, hostFor, runVigil, until, writeConfig } from './helpers';

function step(out: string, name: string): { mark: string; text: string; fix: string | null } {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.trimStart().slice(2).startsWith(`${name}:`));
  if (i < 0) throw new Error(`no step "${name}" in:\n${out}`);
  const fix = lines[i + 1]?.trim().startsWith('fix:') ? lines[i + 1]!.trim() : null;
  return { mark: lines[i]!.trim()[0]!, text: lines[i]!, fix };
}

describe('vigil doctor: host checks that predict a freeze', () => {
  let sshd: Sshd;
  let smi: FakeSmi;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-doctor-host-'));
    smi = fakeNvidiaSmi(path.join(dir, 'smi'));
    sshd = await startSshd({ extraConfig: [`SetEnv PATH=${smi.dir}:/usr/local/bin:/usr/bin:/bin`] });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await sshd?.stop();
  });

  /** A "python" run (sleep under that name) whose stdout is a file, with the environment given. */
  async function pythonRun(name: string, env: Record<string, string>): Promise<{ dir: string; pid: number }> {
    const wdir = path.join(dir, name);
    mkdirSync(wdir, { recursive: true });
    symlinkSync('/bin/sleep', path.join(wdir, 'python3'));
    writeFileSync(path.join(wdir, 'metrics.jsonl'), '{"epoch": 1, "loss": 1}\n');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PYTHONUNBUFFERED'));
    const c = spawn('sh', ['-c', `exec ./python3 300 > train.out 2>&1`], {
      cwd: wdir,
      env: { ...clean, ...env },
    });
    children.push(c);
    await until(
      () => readFileSync(`/proc/${c.pid}/cmdline`, 'utf8'),
      (cmd) => cmd.includes('python3'),
      5000,
      'the run',
    );
    writeFileSync(path.join(wdir, 'train.pid'), `${c.pid}\n`);
    return { dir: wdir, pid: c.pid! };
  }

  it('each check as this machine is, with the exact fix; buffered output to a file is a warning', async () => {
    smi.setMode('ok');
    const buffered = await pythonRun('buffered', {});
    const unbuffered = await pythonRun('unbuffered', { PYTHONUNBUFFERED: '1' });
    const worker = (name: string, d: string) => ({
      name,
      dir: d,
      metrics: 'metrics.jsonl',
      process: { pidFile: 'train.pid' },
    });
    const cfg = writeConfig(sshd, [worker('Buffered', buffered.dir), worker('Unbuffered', unbuffered.dir)]);
    const res = await runVigil(['doctor', '--config', cfg], { VIGIL_DATA: freshDataDir() });
    expect(res.code).toBe(0);
    const out = res.stdout;
    expect(step(out, 'probe round trip').text).toMatch(/✓ probe round trip: \d+ ms now/);

    const swap = Number(/^SwapTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    if (swap === 0) {
      expect(step(out, 'swap')).toMatchObject({ mark: '⚠' });
      expect(step(out, 'swap').fix).toMatch(
        /^fix: sudo fallocate -l \d+G \/swapfile .* sudo mkswap \/swapfile && sudo swapon/,
      );
    } else expect(step(out, 'swap').mark).toBe('✓');

    const adj = Number(readFileSync(`/proc/${sshd.pid}/oom_score_adj`, 'utf8'));
    const sshdStep = step(out, 'sshd and the OOM killer');
    if (adj <= -900) expect(sshdStep.mark).toBe('✓');
    else {
      expect(sshdStep.text).toContain(`sshd (pid ${sshd.pid}) has oom_score_adj ${adj}`);
      expect(sshdStep.fix).toContain("printf '[Service]\\nOOMScoreAdjust=-1000\\n'");
    }
    expect(step(out, 'memory headroom').text).toMatch(/ GB free of [\d.]+ GB; the runs hold Buffered /);
    expect(step(out, 'disk headroom').text).toContain(`(Buffered)`);

    const b = step(out, 'Buffered: output');
    expect(b.mark).toBe('⚠');
    expect(b.text).toContain(`stdout goes to ${buffered.dir}/train.out and PYTHONUNBUFFERED is not set`);
    expect(b.fix).toContain('PYTHONUNBUFFERED=1');
    expect(step(out, 'Unbuffered: output')).toMatchObject({ mark: '✓' });
    expect(step(out, 'nvidia-smi').text).toMatch(/✓ nvidia-smi: 2 GPUs answered in [\d.]+ s/);
    // The real follower started (and was stopped) on the host.
    expect(step(out, 'follow mode').text).toMatch(
      /✓ follow mode: the follower started in \d+ ms \(python3, inotify\): new lines arrive as they are written/,
    );
    // It made its request pipe: the vitals are read without a script.
    expect(out).not.toContain('cannot take vitals requests');
    expect(out).toMatch(
      /All checks passed\.\n\d+ check\(s\) passed with a warning \(⚠\): see the fixes and notes above\./,
    );
  });

  it('a host with follow: false is said to be polled, at which pace', async () => {
    const wdir = path.join(dir, 'polled');
    mkdirSync(wdir, { recursive: true });
    writeFileSync(path.join(wdir, 'metrics.jsonl'), '{"epoch": 1, "loss": 1}\n');
    const cfg = writeConfig(sshd, [{ name: 'P', dir: wdir, metrics: 'metrics.jsonl' }], {
      hosts: { [sshd.alias]: hostFor({ follow: false }) },
      poll: '2s',
    });
    const res = await runVigil(['doctor', '--config', cfg], { VIGIL_DATA: freshDataDir() });
    expect(step(res.stdout, 'follow mode').text).toContain(
      'follow mode: skipped (follow: false in the config: Vigil polls this host every 2 s)',
    );
  });

  it('a hung nvidia-smi is a failed check with the way to confirm a wedged driver', async () => {
    smi.setMode('hang');
    const wdir = path.join(dir, 'plain');
    mkdirSync(wdir, { recursive: true });
    writeFileSync(path.join(wdir, 'metrics.jsonl'), '{"epoch": 1, "loss": 1}\n');
    const cfg = writeConfig(sshd, [{ name: 'A', dir: wdir, metrics: 'metrics.jsonl' }]);
    const res = await runVigil(['doctor', '--config', cfg], { VIGIL_DATA: freshDataDir() });
    const s = step(res.stdout, 'nvidia-smi');
    expect(s.mark).toBe('✗');
    expect(s.text).toContain('did not answer within 5 s — the GPU driver may be wedged');
    expect(s.fix).toContain('dmesg | grep -i xid');
    smi.setMode('ok');
  });
});
