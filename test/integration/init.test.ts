// `vigil init` through the real CLI against a real sshd: a tree laid out like real framework output
// (files from ../shared/fixtures/real), a running training process, and the config it writes read back by
// the real loader and by `vigil status`.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/engine/config';
import { type Sshd, startSshd } from '../support/sshd';
import { concatBytes, eventRecord, fileVersionRecord } from '../support/tfevents-writer';
import { freshDataDir, runVigil, until, VIGIL_BIN } from './helpers';

const REAL = path.resolve('../shared/fixtures/real');

function put(file: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function copy(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(path.join(REAL, from), to);
}

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'pass'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('vigil init against a real sshd', () => {
  let sshd: Sshd;
  let root: string;
  let proc: ChildProcess | null = null;
  const python = hasPython();

  beforeAll(async () => {
    sshd = await startSshd();
    // realpath: /proc/PID/cwd is the resolved path, and the tree's paths are compared with it.
    root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'vigil-init-tree-')));
    copy(
      'lightning-csv/glitch-classification-metrics.csv',
      `${root}/glitch/lightning_logs/version_0/metrics.csv`,
    );
    copy(
      'hf-trainer-state/whisper-large-v2-japanese.json',
      `${root}/whisper/checkpoint-500/trainer_state.json`,
    );
    copy('mmdet-jsonl/faster-rcnn-20200720_054407.log.json', `${root}/faster rcnn/metrics.jsonl`);
    put(`${root}/faster rcnn/train.pid`, `${process.pid}\n`);
    put(
      `${root}/tqdm-run/train.log`,
      [
        'Epoch 1/20: 100%|##########| 50/50 [00:05<00:00, 9.80it/s, loss=0.912]',
        'Epoch 2/20:  40%|####      | 20/50 [00:02<00:03, 9.79it/s, loss=0.734]',
        '',
      ].join('\n'),
    );
    const t = Math.floor(Date.now() / 1000);
    put(
      `${root}/resnet-tb/runs/events.out.tfevents.${t}.box.1.0`,
      concatBytes([
        fileVersionRecord(t),
        eventRecord(1, t, { loss: 1.5 }),
        eventRecord(2, t + 1, { loss: 1.2 }),
      ]),
    );
    put(`${root}/notes/debug.log`, 'nothing here looks like progress\n');
    mkdirSync(`${root}/node_modules/x`, { recursive: true });
    put(`${root}/node_modules/x/metrics.jsonl`, '{"loss": 1}\n'); // pruned: never proposed
    if (python) {
      put(`${root}/launched/metrics.jsonl`, '{"epoch": 1, "loss": 0.5}\n');
      put(`${root}/launched/train_net.py`, 'import time\ntime.sleep(600)\n');
      proc = spawn('python3', ['train_net.py', '--lr', '0.1'], { cwd: `${root}/launched`, stdio: 'ignore' });
    }
  });
  afterAll(async () => {
    proc?.kill('SIGKILL');
    await sshd?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const init = (out: string, ...extra: string[]) =>
    runVigil(
      ['init', `${sshd.alias}:${root}`, '--config', out, '--ssh-config', sshd.sshConfigPath, ...extra],
      {
        VIGIL_DATA: freshDataDir(),
      },
    );

  it('proposes one worker per run, writes a config the loader and `vigil status` read, and never overwrites it', async () => {
    if (!python) console.warn('python3 not found: the running-process part of this test is skipped');
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-init-out-')), 'sub', 'config.yaml');
    // The process must be visible in `ps` before init looks.
    if (proc)
      await until(
        () => execFileSync('ps', ['-eo', 'args=']).toString(),
        (s) => s.includes('train_net.py'),
        10_000,
        'python',
      );
    const first = await init(out, '--yes');
    expect(first.stderr, first.stdout).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Wrote ${out}`);

    const cfg = loadConfig(out);
    expect(cfg.sshConfig).toBe(sshd.sshConfigPath);
    expect(Object.keys(cfg.hosts)).toEqual([sshd.alias]);
    const byName = Object.fromEntries(cfg.workers.map((w) => [w.name, w]));
    expect(Object.keys(byName).sort(), first.stdout).toEqual(
      ['faster-rcnn', 'glitch', 'resnet-tb', 'tqdm-run', 'whisper', ...(python ? ['launched'] : [])].sort(),
    );
    expect(byName['faster-rcnn']).toMatchObject({
      dir: `${root}/faster rcnn`,
      metrics: { path: 'metrics.jsonl' },
      process: { pidFile: 'train.pid' },
    });
    expect(byName.glitch!.metrics.path).toBe('lightning_logs/version_0/metrics.csv');
    expect(byName.whisper).toMatchObject({
      metrics: { path: 'checkpoint-500/trainer_state.json' },
      totalEpochs: 39,
    });
    expect(byName['tqdm-run']).toMatchObject({
      metrics: { path: 'train.log', format: 'text' },
      totalEpochs: 20,
    });
    expect(byName['resnet-tb']!.metrics.path).toBe('runs/events.out.tfevents.*');
    if (python) expect(byName.launched!.process).toEqual({ match: 'train_net.py --lr 0.1' });

    // The written config works: `vigil status` connects and reads every worker's records.
    const status = await runVigil(['status', '--config', out, '--json'], { VIGIL_DATA: freshDataDir() });
    const snap = JSON.parse(status.stdout);
    for (const w of snap.workers) expect(w.records, `${w.name}: ${w.status} ${w.reason}`).toBeGreaterThan(0);
    expect(snap.workers.map((w: { name: string }) => w.name).sort()).toEqual(Object.keys(byName).sort());

    // A second init with something new refuses to overwrite: the diff, exit 1, the file as it was.
    put(`${root}/new-run/metrics.jsonl`, '{"epoch": 1, "loss": 2}\n');
    const before = readFileSync(out, 'utf8');
    const second = await init(out, '--yes');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('--force');
    expect(second.stdout).toMatch(/^\+ +- name: new-run$/m);
    expect(readFileSync(out, 'utf8')).toBe(before);

    // --force writes the change: the earlier workers stay, the new one is added.
    // Without --ssh-config: the existing config's own sshConfig resolves the alias.
    const forced = await runVigil(['init', `${sshd.alias}:${root}`, '--config', out, '--yes', '--force'], {
      VIGIL_DATA: freshDataDir(),
    });
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(loadConfig(out).workers.map((w) => w.name)).toEqual([
      ...cfg.workers.map((w) => w.name),
      'new-run',
    ]);
  }, 120_000);

  it.skipIf(!hasScript())(
    'in a terminal: Enter takes every default and writes; Ctrl-C at a question writes nothing, exit 130',
    async () => {
      const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-init-tty-')), 'config.yaml');
      const cmd = (file: string) =>
        `${process.execPath} ${VIGIL_BIN} init '${sshd.alias}:${root}/glitch' --config ${file} --ssh-config ${sshd.sshConfigPath}`;
      // util-linux `script` gives the CLI a pseudo-terminal; each new prompt gets an Enter.
      const tty = spawn('script', ['-qfec', cmd(out), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let text = '';
      let answered = 0;
      tty.stdin!.on('error', () => {}); // the pipe closes as the CLI exits
      tty.stdout!.on('data', (d) => {
        text += d.toString();
        const prompts = text.split(']: ').length - 1;
        while (answered < prompts) {
          answered++;
          tty.stdin!.write('\r');
        }
      });
      const code = await new Promise<number | null>((resolve) => tty.once('exit', resolve));
      expect(code, text).toBe(0);
      expect(text).toContain('Watch ');
      expect(answered).toBe(3); // add it?, its name, its total
      expect(loadConfig(out).workers.map((w) => w.name)).toEqual(['glitch']);

      const out2 = `${out}.2`;
      const ctrlC = spawn('script', ['-qfec', cmd(out2), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let text2 = '';
      let sent = false;
      ctrlC.stdin!.on('error', () => {}); // the pipe closes as the CLI exits
      ctrlC.stdout!.on('data', (d) => {
        text2 += d.toString();
        if (!sent && text2.includes('Watch ')) {
          sent = true;
          ctrlC.stdin!.write('\x03');
        }
      });
      const code2 = await new Promise<number | null>((resolve) => ctrlC.once('exit', resolve));
      expect(code2, text2).toBe(130);
      expect(text2).toContain('nothing written');
      expect(existsSync(out2)).toBe(false);
    },
    60_000,
  );

  it('exit 1 with the fix when the host cannot be reached, exit 2 without a host or terminal', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-init-out-')), 'config.yaml');
    const bad = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-init-ssh-')), 'ssh_config');
    // Same alias, same port, but an empty known_hosts: the host key cannot be verified.
    const empty = `${bad}.known_hosts`;
    writeFileSync(empty, '');
    writeFileSync(
      bad,
      readFileSync(sshd.sshConfigPath, 'utf8').replace(
        /UserKnownHostsFile.*/i,
        `UserKnownHostsFile ${empty}`,
      ),
    );
    const unknown = await runVigil([
      'init',
      `${sshd.alias}:${root}`,
      '--yes',
      '--config',
      out,
      '--ssh-config',
      bad,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/cannot connect to .*not in known_hosts/);
    expect(unknown.stderr).toContain('fix:');

    const nothing = await runVigil([
      'init',
      `${sshd.alias}:${root}/notes`,
      '--yes',
      '--config',
      `${out}.2`,
      '--ssh-config',
      sshd.sshConfigPath,
    ]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing Vigil reads under');

    const noTerminal = await runVigil([
      'init',
      `${sshd.alias}:${root}`,
      '--config',
      `${out}.3`,
      '--ssh-config',
      sshd.sshConfigPath,
    ]);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('--yes');
  }, 120_000);
});
