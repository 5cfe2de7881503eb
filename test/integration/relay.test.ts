// Issue 16 acceptance, relay side, through the real `vigil serve` watching a real sshd: an alert
// reaches a local receiver, signed and keyed; failing targets show in `vigil status` and the UI's
// data with what to do; no secret appears anywhere a user or a log could see; and a `kill -9` during
// delivery neither loses the alert nor makes it a second alert (the key is the same, the episode too).

import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Receiver, startReceiver } from '../support/receiver';
import { type ServeProcess, startServeProcess } from '../support/serve-process';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, hostFor, runVigil, until } from './helpers';

/** Every file under a folder, as text (the data folder: outbox, states, mirrors). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [readFileSync(p, 'utf8')];
  });
}

function configWith(sshd: Sshd, trainer: Trainer, notify: unknown[]): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-cfg-')), 'config.yaml');
  writeFileSync(
    file,
    stringify({
      sshConfig: sshd.sshConfigPath,
      poll: '300ms',
      hosts: { [sshd.alias]: hostFor() },
      workers: [
        {
          name: 'I3D',
          host: sshd.alias,
          dir: trainer.dir,
          metrics: 'metrics.jsonl',
          process: { pidFile: 'train.pid' },
        },
      ],
      alerts: { notify },
    }),
  );
  return file;
}

describe('relaying alerts from vigil serve', () => {
  let sshd: Sshd;
  const trainers: Trainer[] = [];
  const receivers: Receiver[] = [];
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });
  afterAll(async () => {
    await Promise.all(trainers.map((t) => t.stop()));
    await Promise.all(receivers.map((r) => r.close()));
    await sshd?.stop();
  });

  const receiver = async () => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };
  const running = async () => {
    const t = await startTrainer({ format: 'jsonl', epochs: 1000, intervalMs: 200 });
    trainers.push(t);
    await t.waitForRecords(3, 15_000);
    return t;
  };

  it('a failure reaches the webhook signed and keyed; failing targets are shown with what to do; no secret leaks', async () => {
    const ok = await receiver();
    const denier = await receiver();
    // Receivers that quote back what they were sent, secrets included, as real ones sometimes do.
    denier.reply((r) => ({
      status: r.url === '/' ? 401 : 404,
      body: `denied ${r.headers.authorization ?? ''} for ${r.url}`,
    }));
    const secretsDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-secrets-'));
    const token = 'tk_ntfy_9a8b7c6d5e4f3a2b';
    const hookPath = '/services/T01ABCD/B02EFGH/SlackSecretPart1234';
    const hmac = 'hmac_secret_0f1e2d3c4b5a';
    writeFileSync(path.join(secretsDir, 'ntfy-token'), `${token}\n`, { mode: 0o600 });
    writeFileSync(path.join(secretsDir, 'slack-webhook'), `${denier.url}${hookPath}\n`, { mode: 0o600 });
    const t = await running();
    const cfg = configWith(sshd, t, [
      { ntfy: { url: `${denier.url}/vigil-topic`, tokenFile: path.join(secretsDir, 'ntfy-token') } },
      { slack: { webhookFile: path.join(secretsDir, 'slack-webhook') } },
      { webhook: { url: `${ok.url}/hook`, secretEnv: 'VIGIL_TEST_HMAC' } },
    ]);
    const dataDir = freshDataDir();
    serve = await startServeProcess(['--config', cfg], { VIGIL_DATA: dataDir, VIGIL_TEST_HMAC: hmac });
    const tokenQuery = serve.output().match(/\?token=(\S+)/)![1]!;
    const api = async (p: string) =>
      fetch(`http://127.0.0.1:${serve!.port}${p}`, {
        headers: { authorization: `Bearer ${decodeURIComponent(tokenQuery)}` },
      });
    const status = async () =>
      (await (await api('/api/status')).json()) as {
        workers: { status: string }[];
        relay: { target: string; state: string; error: string | null; pending: number }[];
      };
    await until(status, (s) => s.workers[0]?.status === 'running', 30_000, 'I3D running');

    const crashedAt = Date.now();
    await t.crash();
    await until(
      () => ok.requests.length,
      (n) => n >= 1,
      30_000,
      'the failed alert at the webhook',
    );
    const got = ok.requests[0]!;
    expect(got.at - crashedAt).toBeLessThan(15_000);
    const body = JSON.parse(got.body);
    expect(body.alert).toMatchObject({ kind: 'failed', worker: 'I3D' });
    expect(body.key).toMatch(/^I3D\/failed-\w+:failed$/);
    expect(got.key).toBe(body.key);
    expect(body.workers[0]).toMatchObject({ name: 'I3D', status: 'failed' });
    expect(got.headers['x-vigil-signature']).toBe(
      `sha256=${createHmac('sha256', hmac).update(got.body).digest('hex')}`,
    );

    const s = await until(
      status,
      (x) => x.relay.filter((r) => r.state === 'failing').length === 2,
      30_000,
      'ntfy and slack failing',
    );
    expect(s.relay.map((r) => [r.state, r.pending])).toEqual([
      ['failing', 1],
      ['failing', 1],
      ['ok', 0],
    ]);
    expect(s.relay[0]!.error).toMatch(
      /^HTTP 401: the receiver refused the credentials — check the secret in tokenFile/,
    );
    expect(s.relay[1]!.error).toMatch(
      /^HTTP 404: nothing at that address — check the url \(a revoked webhook: make a new one and put it in webhookFile\)/,
    );

    // `vigil status` (another process) shows the same from the running engine's saved state.
    await new Promise((r) => setTimeout(r, 500));
    const table = await runVigil(['status', '--config', cfg], { VIGIL_DATA: dataDir });
    expect(table.stdout).toMatch(/alerts → ntfy 127\.0\.0\.1:\d+: FAILING for .*, 1 waiting — HTTP 401/);
    expect(table.stdout).toMatch(/alerts → webhook 127\.0\.0\.1:\d+: ok, last sent/);
    const json = await runVigil(['status', '--config', cfg, '--json'], { VIGIL_DATA: dataDir });
    expect(JSON.parse(json.stdout).relay).toHaveLength(3);
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toMatch(/vigil_relay_target_up\{target="ntfy 127\.0\.0\.1:\d+"\} 0/);

    // An inline secret in a config is refused, and the refusal does not repeat it.
    const bad = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-cfg-')), 'config.yaml');
    writeFileSync(
      bad,
      readFileSync(cfg, 'utf8').replace(/webhookFile: .*/, `url: "${denier.url}${hookPath}"`),
    );
    const refused = await runVigil(['status', '--config', bad], { VIGIL_DATA: freshDataDir() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('secrets are never written in the config');

    await serve.stop();
    const everything = [
      serve.output(),
      table.stdout,
      table.stderr,
      json.stdout,
      JSON.stringify(s),
      metrics,
      refused.stderr,
      ...filesUnder(dataDir),
    ].join('\n');
    expect(serve.output()).toMatch(/alerts to ntfy 127\.0\.0\.1:\d+ are failing: HTTP 401.*\[redacted\]/);
    for (const secret of [token, hookPath, 'SlackSecretPart1234', hmac])
      expect(everything).not.toContain(secret);
  });

  it('kill -9 during delivery: the alert is sent again with the same key after the restart, and only once more', async () => {
    const slow = await receiver();
    slow.reply((_r, i) => (i === 0 ? 'hang' : { status: 200 }));
    const t = await running();
    const cfg = configWith(sshd, t, [{ webhook: { url: `${slow.url}/hook` } }]);
    const dataDir = freshDataDir();
    serve = await startServeProcess(['--config', cfg], { VIGIL_DATA: dataDir });
    const tokenQuery = decodeURIComponent(serve.output().match(/\?token=(\S+)/)![1]!);
    await until(
      async () =>
        (await (
          await fetch(`http://127.0.0.1:${serve!.port}/api/status`, {
            headers: { authorization: `Bearer ${tokenQuery}` },
          })
        ).json()) as { workers: { status: string }[] },
      (s) => s.workers[0]?.status === 'running',
      30_000,
      'I3D running',
    );
    await t.crash();
    await until(
      () => slow.requests.length,
      (n) => n === 1,
      30_000,
      'the delivery in flight',
    );
    await serve.kill9(); // the receiver got the request; Vigil never heard back
    serve = await startServeProcess(['--config', cfg], { VIGIL_DATA: dataDir });
    await until(
      () => slow.requests.length,
      (n) => n >= 2,
      30_000,
      'the delivery after the restart',
    );
    await new Promise((r) => setTimeout(r, 3000)); // room for any wrong second alert
    const key = slow.requests[0]!.key!;
    expect(slow.seen()).toEqual(new Map([[key, 2]])); // raw: the same alert twice, under one key
    expect(slow.delivered()).toEqual([key]); // a receiver honouring the key shows it once
    const stopping = Date.now();
    expect(await serve.stop()).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000); // a clean stop is prompt (no timer left behind)
    serve = await startServeProcess(['--config', cfg], { VIGIL_DATA: dataDir });
    await new Promise((r) => setTimeout(r, 3000));
    expect(slow.requests).toHaveLength(2); // delivered, so never sent again
  });
});
