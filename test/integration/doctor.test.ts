// `vigil doctor`: ✓ for a healthy worker, and for each fault the failing step with its fix.

import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openrsync } from '../support/openrsync';
import { type Sshd, startSshd } from '../support/sshd';
import { startTarpit } from '../support/tarpit';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, runVigil, writeConfig } from './helpers';

/** The line of a step, and the fix line after it when there is one. */
function step(out: string, name: string): { mark: string; text: string; fix: string | null } {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.trimStart().slice(2).startsWith(`${name}:`));
  if (i < 0) throw new Error(`no step "${name}" in:\n${out}`);
  const fix = lines[i + 1]?.trim().startsWith('fix:') ? lines[i + 1]!.trim() : null;
  return { mark: lines[i]!.trim()[0]!, text: lines[i]!, fix };
}

describe('vigil doctor', () => {
  let sshd: Sshd;
  let run: Trainer;
  const env = () => ({ VIGIL_DATA: freshDataDir() });

  beforeAll(async () => {
    sshd = await startSshd();
    // Runs for the whole file (100 epochs had ended before the last doctor ran on a busy machine).
    run = await startTrainer({ format: 'csv', epochs: 100_000, intervalMs: 200 });
    await run.waitForRecords(2);
  });
  afterAll(async () => {
    await run?.stop();
    await sshd?.stop();
  });

  const healthy = () => ({
    name: 'I3D',
    dir: run.dir,
    metrics: 'metrics.csv',
    log: 'train.log',
    process: { pidFile: 'train.pid' },
  });

  it('shows ✓ for every step of a healthy worker', async () => {
    const res = await runVigil(['doctor', '--config', writeConfig(sshd, [healthy()])], env());
    expect(res.code).toBe(0);
    for (const s of [
      'config',
      'name resolution',
      'TCP connection',
      'SSH handshake',
      'host key',
      'authentication',
      'remote shell',
      'rsync on the host',
      'directory',
      'metrics file',
      'format',
      'newest record',
      'log file',
      'process',
      'rsync',
      'data folder',
    ]) {
      expect(step(res.stdout, s).mark, s).toBe('✓');
    }
    expect(step(res.stdout, 'format').text).toContain('csv');
    expect(step(res.stdout, 'newest record').text).toMatch(/epoch \d+, step \d+00, loss [\d.]+/);
    expect(res.stdout).toContain('All checks passed.');
  });

  it('names the failing step and its fix: missing file, dead process, unknown host, changed key, silent host', async () => {
    const missing = await runVigil(
      ['doctor', '--config', writeConfig(sshd, [{ ...healthy(), metrics: 'results/none.jsonl' }])],
      env(),
    );
    expect(step(missing.stdout, 'metrics file')).toMatchObject({ mark: '✗' });
    expect(step(missing.stdout, 'metrics file').text).toContain(
      `${run.dir}/results/none.jsonl does not exist`,
    );
    expect(step(missing.stdout, 'metrics file').fix).toContain('check `metrics`');
    expect(missing.code).toBe(1); // a failed check

    const dead = await runVigil(
      [
        'doctor',
        '--config',
        writeConfig(sshd, [{ ...healthy(), process: { match: 'no-such-trainer --tag zzz' } }]),
      ],
      env(),
    );
    expect(step(dead.stdout, 'process').mark).toBe('✗');
    expect(step(dead.stdout, 'process').fix).toContain('process.match');

    const known = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-kh-')), 'known_hosts');
    writeFileSync(known, '');
    const unknownCfg = writeConfig(sshd, [healthy()], { hosts: { [sshd.alias]: { knownHostsFile: known } } });
    const unknown = await runVigil(['doctor', '--config', unknownCfg], env());
    expect(step(unknown.stdout, 'SSH handshake').mark).toBe('✓');
    expect(step(unknown.stdout, 'host key').mark).toBe('✗');
    expect(step(unknown.stdout, 'host key').text).toContain(known);
    expect(step(unknown.stdout, 'host key').fix).toContain(
      `ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${known}`,
    );

    sshd.freezeListener();
    try {
      const frozen = await runVigil(['doctor', '--config', writeConfig(sshd, [healthy()])], env());
      expect(step(frozen.stdout, 'TCP connection').mark).toBe('✓'); // the kernel still accepts
      expect(step(frozen.stdout, 'SSH handshake').mark).toBe('✗');
      expect(step(frozen.stdout, 'SSH handshake').fix).toMatch(/overloaded/);
    } finally {
      sshd.thawListener();
    }

    const tarpit = await startTarpit();
    try {
      const cfg = writeConfig(sshd, [{ ...healthy(), host: 'pit' }], {
        hosts: { pit: { hostname: '127.0.0.1', port: tarpit.port, user: sshd.user, connectTimeout: '2s' } },
      });
      const res = await runVigil(['doctor', '--config', cfg], env());
      expect(step(res.stdout, 'SSH handshake').mark).toBe('✗');
    } finally {
      await tarpit.stop();
    }

    await sshd.regenerateHostKey();
    const changed = await runVigil(['doctor', '--config', writeConfig(sshd, [healthy()])], env());
    expect(step(changed.stdout, 'host key').mark).toBe('✗');
    expect(step(changed.stdout, 'host key').text).toMatch(/host key changed/);
    expect(step(changed.stdout, 'host key').fix).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}'`);
    expect(changed.stdout).not.toContain('authentication:');
  });

  it('names the local rsync, its flavour, what it cannot do and the fix', async () => {
    // Its own sshd: an earlier test changed the shared one's host key, and every check must pass here.
    const own = await startSshd();
    try {
      const gnu = await runVigil(['doctor', '--config', writeConfig(own, [healthy()])], env());
      expect(step(gnu.stdout, 'ssh').text).toMatch(/✓ ssh: \/\S*\/ssh$/);
      expect(step(gnu.stdout, 'rsync').text).toMatch(
        /✓ rsync: \/\S+ is GNU rsync \d+\.\d+\.\d+ \(protocol \d+\)$/,
      );

      const built = openrsync();
      if ('skip' in built) {
        console.log(`doctor with openrsync skipped: ${built.skip}`);
      } else {
        const cfg = writeConfig(own, [healthy()]);
        appendFileSync(cfg, `rsync: ${built.binary}\n`);
        const res = await runVigil(['doctor', '--config', cfg], env());
        expect(res.code, res.stdout).toBe(0);
        const s = step(res.stdout, 'rsync');
        expect(s.mark).toBe('⚠');
        expect(s.text).toContain(`${built.binary} (from the config) is openrsync (protocol 27)`);
        expect(s.fix).toMatch(/brew install rsync.*`rsync: \/path\/to\/rsync` in the config/);
        expect(res.stdout).toMatch(/- no --inplace: .*TensorBoard/);
        expect(res.stdout).toMatch(/- no -s: Vigil quotes remote paths/);
        expect(res.stdout).toMatch(/\d+ check\(s\) passed with a warning/);
      }

      const cfg = writeConfig(own, [healthy()]);
      appendFileSync(cfg, 'rsync: /nope/rsync\n');
      const missing = await runVigil(['doctor', '--config', cfg], env());
      expect(step(missing.stdout, 'rsync')).toMatchObject({ mark: '✗' });
      expect(step(missing.stdout, 'rsync').text).toContain(
        '/nope/rsync (from the config) is not an executable file',
      );
    } finally {
      await own.stop();
    }
  });

  it('exits 2 for a bad config or an unknown worker', async () => {
    const cfg = writeConfig(sshd, [healthy()]);
    writeFileSync(cfg, 'hosts:\n  a: { port: abc }\nworkers: []\n');
    const bad = await runVigil(['doctor', '--config', cfg], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`${cfg}:2:\\d+: hosts\\.a\\.port`));
    const who = await runVigil(['doctor', '--config', writeConfig(sshd, [healthy()]), 'Nobody'], env());
    expect(who.code).toBe(2);
    expect(who.stdout).toContain('one of: I3D');
  });
});
