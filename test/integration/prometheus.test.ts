// Issue 16 acceptance, Prometheus side: a real Prometheus scrapes a real `vigil serve` watching a real
// sshd, and finds the loss and the status Vigil read; promtool accepts the exposition and the rules.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Prometheus, startPrometheus } from '../support/prometheus';
import { type ServeProcess, startServeProcess } from '../support/serve-process';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, until, writeConfig } from './helpers';

const DEPLOY = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));

/** Runs promtool; resolves with its exit code and output (stdin piped in when given). */
function promtool(args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { cwd: DEPLOY, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', (e) =>
      reject(new Error(`promtool: ${e.message} — install Debian's prometheus package (.ci/run does)`)),
    );
    child.once('close', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(stdin ?? '');
  });
}

describe('Prometheus rules', () => {
  it('promtool check rules and promtool test rules pass', async () => {
    const check = await promtool(['check', 'rules', 'vigil-rules.yml']);
    expect(check.out).toContain('SUCCESS: 10 rules found');
    expect(check.code).toBe(0);
    const test = await promtool(['test', 'rules', 'vigil-rules.test.yml']);
    expect(test.out).toContain('SUCCESS');
    expect(test.code).toBe(0);
  });
});

describe('a real Prometheus scraping a real vigil serve', () => {
  let sshd: Sshd;
  let trainer: Trainer;
  let serve: ServeProcess | undefined;
  let prom: Prometheus | undefined;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await prom?.stop();
    await serve?.stop();
    await trainer?.stop();
    await sshd?.stop();
  });

  it('finds the loss and the status Vigil read; /metrics needs the token; promtool accepts it', async () => {
    trainer = await startTrainer({ format: 'jsonl', epochs: 1000, intervalMs: 200, startLoss: 2.5 });
    await trainer.waitForRecords(3, 15_000);
    const cfg = writeConfig(sshd, [
      { name: 'I3D', dir: trainer.dir, metrics: 'metrics.jsonl', process: { pidFile: 'train.pid' } },
    ]);
    const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-tok-')), 'serve-token');
    serve = await startServeProcess(['--config', cfg, '--token-file', tokenFile], {
      VIGIL_DATA: freshDataDir(),
    });
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(serve.output()).not.toContain(token); // a token kept in a file is never printed
    const base = `http://127.0.0.1:${serve.port}`;
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const status = async () =>
      (await (await fetch(`${base}/api/status`, { headers: auth })).json()) as {
        workers: { name: string; status: string; loss: number | string }[];
      };
    await until(status, (s) => s.workers[0]?.status === 'running', 30_000, 'I3D running');

    const exposition = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    expect(exposition).toContain('vigil_worker_status{worker="I3D",host=');
    const checked = await promtool(['check', 'metrics'], exposition);
    expect(checked.out).toBe('');
    expect(checked.code).toBe(0);

    prom = await startPrometheus(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${path.join(DEPLOY, 'vigil-rules.yml')}
scrape_configs:
  - job_name: vigil
    static_configs:
      - targets: ["127.0.0.1:${serve.port}"]
    authorization:
      credentials_file: ${tokenFile}
`);
    await until(
      () => prom!.query('up{job="vigil"}'),
      (r) => r[0]?.value[1] === '1',
      30_000,
      'Prometheus scraping Vigil',
    );
    // Hold the run still, then compare what Prometheus stored with what Vigil read.
    trainer.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const read = (await status()).workers[0]!;
    expect(typeof read.loss).toBe('number');
    const loss = await until(
      () => prom!.query('vigil_worker_loss{worker="I3D"}'),
      (r) => r.length === 1 && Number(r[0]!.value[1]) === read.loss,
      20_000,
      `Prometheus holding the loss Vigil read (${read.loss})`,
    );
    expect(loss[0]!.metric).toMatchObject({ job: 'vigil', worker: 'I3D', metric: 'loss' });
    const running = await prom.query('vigil_worker_status{worker="I3D",status="running"}');
    expect(running[0]!.value[1]).toBe('1');
    const viaMetric = await prom.query('vigil_worker_metric{worker="I3D",metric="loss"}');
    expect(Number(viaMetric[0]!.value[1])).toBe(read.loss);
    const rules = (await prom.get('/api/v1/rules')) as {
      data: { groups: { name: string; rules: unknown[] }[] };
    };
    expect(rules.data.groups.map((g) => [g.name, g.rules.length])).toEqual([['vigil', 10]]);

    // The run crashes: Vigil says failed, and so does Prometheus, and its rule fires.
    trainer.resume();
    await trainer.crash();
    await until(
      () => prom!.query('vigil_worker_status{worker="I3D",status="failed"} == 1'),
      (r) => r.length === 1,
      30_000,
      'Prometheus seeing I3D failed',
    );
    await until(
      () => prom!.query('ALERTS{alertname="VigilWorkerFailed",worker="I3D"}'),
      (r) => r.length === 1,
      20_000,
      'the VigilWorkerFailed rule firing',
    );
  });
});
