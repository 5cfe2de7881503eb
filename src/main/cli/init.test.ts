// runInit end to end with the "remote" being this machine (test/support/local-connector.ts): the real
// discovery script, reads and ranking, the questions answered as a person at a terminal would.

import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localConnector } from '../../../test/support/local-connector';
import { loadConfig } from '../engine/config';
import type { ResolvedHost } from '../engine/ssh';
import { runInit } from './init';
import type { Ask } from './init-prompt';

/** The local connector ignores where it connects. */
const HOST = {} as ResolvedHost;

function scripted(answers: string[]): () => Ask {
  return () => ({ question: async () => answers.shift() ?? '', close: () => {} });
}

function tree(): { root: string; sshConfig: string; out: string } {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'vigil-init-unit-')));
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  put('runs/a/metrics.jsonl', '{"epoch": 1, "loss": 2}\n');
  put('runs/b/lightning_logs/version_0/metrics.csv', 'epoch,step,train_loss\n0,10,1.5\n');
  put('runs/bad\nname/metrics.jsonl', '{"loss": 1}\n'); // a line break in a folder name: never proposed
  put('ssh_config', 'Host box\n  HostName 127.0.0.1\nHost gpu-*\nHost gpu\n');
  return { root, sshConfig: path.join(root, 'ssh_config'), out: path.join(root, 'cfg', 'config.yaml') };
}

describe('vigil init, interactively', () => {
  afterEach(() => vi.restoreAllMocks());

  it('asks for the host, the folder and each run; writes what was answered', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { root, sshConfig, out } = tree();
    const lines: string[] = [];
    const code = await runInit(
      { sshConfig, configPath: out, yes: false, force: false },
      (s) => lines.push(s),
      (s) => lines.push(s),
      {
        interactive: true,
        // host: Enter (the first, "box"); folder; run a: yes, name "I3D", total 40; run b: no.
        ask: scripted(['', `${root}/runs`, 'y', 'I3D', '40', 'n']),
        connect: () => localConnector().connect(HOST),
      },
    );
    expect(code, lines.join('\n')).toBe(0);
    expect(lines).toContain('Hosts in ' + sshConfig + ':');
    const cfg = loadConfig(out);
    expect(Object.keys(cfg.hosts)).toEqual(['box']);
    expect(cfg.sshConfig).toBe(sshConfig);
    expect(cfg.workers.map((w) => [w.name, w.dir, w.metrics.path, w.totalEpochs])).toEqual([
      ['I3D', `${root}/runs/a`, 'metrics.jsonl', 40],
    ]);
    expect(readFileSync(out, 'utf8')).not.toContain('bad');
  });

  it('without a host and several in the ssh config, not at a terminal: exit 2 naming them', async () => {
    const { sshConfig, out } = tree();
    const errs: string[] = [];
    const code = await runInit(
      { sshConfig, configPath: out, yes: true, force: false },
      () => {},
      (s) => errs.push(s),
      {
        interactive: false,
        connect: () => localConnector().connect(HOST),
      },
    );
    expect(code).toBe(2);
    expect(errs.join('\n')).toContain('hosts in');
    expect(errs.join('\n')).toContain('box, gpu');
  });
});
