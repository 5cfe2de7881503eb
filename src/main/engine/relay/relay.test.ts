import { createHmac } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../test/support/fake-clock';
import { freePort } from '../../../../test/support/free-port';
import { type Receiver, selfSignedCert, startReceiver } from '../../../../test/support/receiver';
import type { AlertEvent } from '../../../shared/contract';
import type { FleetSnapshot, WorkerSnapshot } from '../../../shared/model';
import { parseConfig } from '../config';
import { Relay } from './relay';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), `vigil-relay-${p}-`));

function targets(notify: string) {
  return parseConfig(
    `hosts: { ec2: {} }\nworkers:\n  - { name: I3D, host: ec2, dir: /r, metrics: m.jsonl }\nalerts:\n  notify:\n${notify}`,
    path.join(tmp('cfg'), 'config.yaml'),
  ).notify;
}

const worker = (name: string, status: WorkerSnapshot['status'] = 'stalled'): WorkerSnapshot => ({
  name,
  host: 'ec2',
  status,
  reason: 'no progress for 16 min',
  epoch: 12,
  totalEpochs: 50,
  step: 1200,
  loss: Number.NaN,
  lossMetric: 'loss',
  metrics: { loss: Number.NaN },
  records: 12,
  lastProgressAt: null,
  lastContactAt: null,
  mirror: null,
  connection: 'ok',
  process: 'running',
  format: 'jsonl',
  logTail: [],
  sync: [],
});
const snapshot = (...workers: WorkerSnapshot[]): FleetSnapshot => ({
  generatedAt: new Date().toISOString(),
  workers,
  configError: null,
});

let n = 0;
function alert(
  clock: FakeClock,
  kind: AlertEvent['kind'] = 'stalled',
  w = 'I3D',
): AlertEvent & { key: string } {
  n++;
  return {
    worker: w,
    kind,
    message: `no progress for 16 min (#${n})`,
    at: new Date(clock.now()).toISOString(),
    key: `${w}/stalled-${n}:${kind}`,
  };
}

async function setup(notify: (r: Receiver) => string, opts: { dataDir?: string; receiver?: Receiver } = {}) {
  const receiver = opts.receiver ?? (await startReceiver());
  if (!opts.receiver) cleanups.push(() => receiver.close());
  const clock = new FakeClock();
  const logs: string[] = [];
  const dataDir = opts.dataDir ?? tmp('data');
  const relay = await Relay.open({
    dataDir,
    clock,
    random: () => 0,
    log: (l) => logs.push(l),
    timeoutMs: 800,
  });
  cleanups.push(() => relay.stop());
  relay.configure(targets(notify(receiver)));
  const advance = (ms: number) => clock.advance(ms, () => relay.idle());
  return { receiver, clock, relay, logs, dataDir, advance };
}

describe('Relay', () => {
  it('delivers to ntfy, a signed webhook and a command, each with the key; the outbox is written first', async () => {
    const dir = tmp('cmd');
    const out = path.join(dir, 'stdin.json');
    const script = path.join(dir, 'page.sh');
    writeFileSync(script, `#!/bin/sh\ncat > "${out}"\n`);
    chmodSync(script, 0o755);
    process.env.VIGIL_TEST_HOOK_SECRET = 'hmac-0123456789';
    const s = await setup(
      (r) => `    - ntfy: { url: "${r.url}/vigil-3am" }
    - webhook: { url: "${r.url}/hook", secretEnv: VIGIL_TEST_HOOK_SECRET }
    - command: [${script}]
`,
    );
    const a = alert(s.clock);
    s.relay.enqueue(a, snapshot(worker('I3D')));
    // On disk before any request went out.
    expect(readFileSync(path.join(s.dataDir, 'outbox.jsonl'), 'utf8')).toContain(a.key);
    await s.advance(0);
    expect(s.receiver.requests.map((r) => [r.url, r.key])).toEqual([
      ['/', a.key],
      ['/hook', a.key],
    ]);
    const ntfy = JSON.parse(s.receiver.requests[0]!.body);
    expect(ntfy).toMatchObject({ topic: 'vigil-3am', title: 'I3D stalled', priority: 4 });
    const hook = s.receiver.requests[1]!;
    expect(hook.headers['x-vigil-signature']).toBe(
      `sha256=${createHmac('sha256', 'hmac-0123456789').update(hook.body).digest('hex')}`,
    );
    expect(JSON.parse(hook.body).workers[0]).toMatchObject({ name: 'I3D', loss: 'NaN', epoch: 12 });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ key: a.key, alert: { kind: 'stalled' } });
    expect(s.relay.states().map((t) => [t.state, t.pending])).toEqual([
      ['ok', 0],
      ['ok', 0],
      ['ok', 0],
    ]);
  });

  it('500: failing with the status shown, retried with backoff, then delivered once', async () => {
    const s = await setup((r) => `    - webhook: { url: "${r.url}/hook" }\n`);
    s.receiver.reply((_r, i) => (i < 2 ? { status: 500, body: 'boom' } : { status: 200 }));
    const a = alert(s.clock);
    s.relay.enqueue(a, snapshot(worker('I3D')));
    await s.advance(0);
    expect(s.relay.states()[0]).toMatchObject({
      state: 'failing',
      pending: 1,
      error: expect.stringMatching(
        /^HTTP 500: the receiver has a problem; retrying in 1 s \(the receiver said: boom\)/,
      ),
    });
    expect(s.logs).toEqual([
      expect.stringMatching(/^alerts to webhook 127\.0\.0\.1:\d+ are failing: HTTP 500/),
    ]);
    await s.advance(999);
    expect(s.receiver.requests).toHaveLength(1); // not before the backoff
    await s.advance(1);
    expect(s.receiver.requests).toHaveLength(2);
    await s.advance(2000);
    expect(s.receiver.requests).toHaveLength(3);
    expect(s.relay.states()[0]).toMatchObject({ state: 'ok', pending: 0, error: null });
    expect(s.receiver.delivered()).toEqual([a.key]);
    expect(s.logs.at(-1)).toMatch(/get through again/);
  });

  it('429 with Retry-After: waits as long as asked, even when a new alert comes', async () => {
    const s = await setup((r) => `    - ntfy: "${r.url}/t"\n`);
    s.receiver.reply((_r, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 200 },
    );
    const first = alert(s.clock);
    s.relay.enqueue(first, snapshot(worker('I3D')));
    await s.advance(0);
    expect(s.relay.states()[0]!.error).toMatch(/^HTTP 429: rate limited; retrying after 7 s as it asked/);
    const second = alert(s.clock);
    s.relay.enqueue(second, snapshot(worker('I3D')));
    await s.advance(6900);
    expect(s.receiver.requests).toHaveLength(1);
    await s.advance(100);
    expect(s.receiver.delivered()).toEqual([first.key, second.key]); // in order, oldest first
  });

  it('a receiver that hangs times out; the retry goes through; the key arrived twice, delivered once', async () => {
    const s = await setup((r) => `    - webhook: { url: "${r.url}/hook" }\n`);
    s.receiver.reply((_r, i) => (i === 0 ? 'hang' : { status: 200 }));
    const a = alert(s.clock);
    s.relay.enqueue(a, snapshot(worker('I3D')));
    await s.advance(0);
    expect(s.relay.states()[0]!.error).toMatch(/^no answer within/);
    await s.advance(2000);
    expect(s.receiver.seen().get(a.key)).toBe(2);
    expect(s.receiver.delivered()).toEqual([a.key]);
    expect(s.relay.states()[0]!.state).toBe('ok');
  });

  it('connection refused while offline; sent when the receiver is back, marked late with when it happened', async () => {
    const port = await freePort();
    const s = await setup(() => `    - ntfy: "http://127.0.0.1:${port}/t"\n`, {
      receiver: await startReceiver(),
    });
    const a = alert(s.clock);
    s.relay.enqueue(a, snapshot(worker('I3D')));
    await s.advance(0);
    expect(s.relay.states()[0]!.error).toMatch(/^connection refused — is the receiver running/);
    await s.advance(40 * 60_000); // 40 minutes offline: retries back off, nothing is lost
    const back = await startReceiver({ port });
    cleanups.push(() => back.close());
    s.relay.wake(); // the laptop woke up, or the network came back
    await s.advance(0);
    expect(back.delivered()).toEqual([a.key]);
    const body = JSON.parse(back.requests[0]!.body);
    expect(body.title).toBe('(late) I3D stalled');
    expect(body.message).toMatch(
      /Sent late: it happened at \d{4}-\d\d-\d\d 03:00 UTC, 40 min before this message\./,
    );
  });

  it('a TLS receiver with an untrusted certificate: a TLS error saying what to do', async () => {
    const tlsReceiver = await startReceiver({ tls: selfSignedCert() });
    cleanups.push(() => tlsReceiver.close());
    const s = await setup(() => `    - webhook: { url: "${tlsReceiver.url}/hook" }\n`);
    s.relay.enqueue(alert(s.clock), snapshot(worker('I3D')));
    await s.advance(0);
    expect(tlsReceiver.requests).toHaveLength(0);
    expect(s.relay.states()[0]!.error).toMatch(
      /^TLS: self[- ]signed certificate.* not trusted .*NODE_EXTRA_CA_CERTS/,
    );
  });

  it('a failing target never holds up another', async () => {
    const dead = await freePort();
    const s = await setup(
      (r) => `    - webhook: { url: "http://127.0.0.1:${dead}/x" }\n    - ntfy: "${r.url}/t"\n`,
    );
    const a = alert(s.clock);
    const b = alert(s.clock);
    s.relay.enqueue(a, snapshot(worker('I3D')));
    s.relay.enqueue(b, snapshot(worker('I3D')));
    await s.advance(0);
    expect(s.receiver.delivered()).toEqual([a.key, b.key]);
    expect(s.relay.states().map((t) => [t.state, t.pending])).toEqual([
      ['failing', 2],
      ['ok', 0],
    ]);
  });

  it('survives a crash: what was owed is sent by the next process, what was sent is never sent again', async () => {
    const dataDir = tmp('data');
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.reply(() => ({ status: 503 }));
    const notify = (r: Receiver) => `    - webhook: { url: "${r.url}/hook" }\n`;
    const first = await setup(notify, { dataDir, receiver });
    const sent = alert(first.clock);
    receiver.reply(() => ({ status: 200 }));
    first.relay.enqueue(sent, snapshot(worker('I3D')));
    await first.advance(0);
    receiver.reply(() => ({ status: 503 }));
    const owed = [alert(first.clock), alert(first.clock)];
    for (const a of owed) first.relay.enqueue(a, snapshot(worker('I3D')));
    await first.advance(0);
    // The process dies here (nothing is stopped or flushed). The next one opens the same data folder.
    receiver.reply(() => ({ status: 200 }));
    const second = await setup(notify, { dataDir, receiver });
    await second.advance(0);
    expect(receiver.delivered()).toEqual([sent.key, ...owed.map((a) => a.key)]);
    expect(receiver.seen().get(sent.key)).toBe(1);
    const third = await setup(notify, { dataDir, receiver });
    await third.advance(60_000);
    expect(
      receiver.requests.filter((r) => r.key === sent.key || owed.some((o) => o.key === r.key)),
    ).toHaveLength(
      // The delivered one once; the owed: the oldest refused once (503) in the first process (the next
      // waited its turn), then both delivered by the second; the third process sends nothing.
      1 + 1 + 2,
    );
  });

  it('a config reload while a delivery is in flight: it is recorded, and the queue goes on', async () => {
    const s = await setup((r) => `    - webhook: { url: "${r.url}/hook" }\n`);
    s.receiver.reply(() => ({ status: 200, delayMs: 100 }));
    const [a, b] = [alert(s.clock), alert(s.clock)];
    s.relay.enqueue(a, snapshot(worker('I3D')));
    s.relay.enqueue(b, snapshot(worker('I3D')));
    // The same config loaded again: equal targets, new objects (as every reload makes).
    s.relay.configure(targets(`    - webhook: { url: "${s.receiver.url}/hook" }\n`));
    await s.advance(0);
    expect(s.receiver.delivered()).toEqual([a.key, b.key]);
    expect(s.relay.states()[0]).toMatchObject({ state: 'ok', pending: 0 });
    expect(s.receiver.requests).toHaveLength(2);
  });

  it('takes only its kinds; a reminder goes where its episode’s alarm went', async () => {
    const s = await setup((r) => `    - ntfy: "${r.url}/t"\n      kinds: [failed, reminder]\n`);
    s.relay.enqueue(alert(s.clock, 'stalled'), snapshot(worker('I3D', 'stalled')));
    s.relay.enqueue(alert(s.clock, 'reminder'), snapshot(worker('I3D', 'stalled')));
    const failed = alert(s.clock, 'failed');
    s.relay.enqueue(failed, snapshot(worker('I3D', 'failed')));
    const reminder = alert(s.clock, 'reminder');
    s.relay.enqueue(reminder, snapshot(worker('I3D', 'failed')));
    await s.advance(0);
    expect(s.receiver.delivered()).toEqual([failed.key, reminder.key]);
  });

  it('never shows a secret: a receiver echoing the token, a revoked webhook, a bad secret file', async () => {
    const dir = tmp('secrets');
    const token = 'tk_live_9f8e7d6c5b4a';
    writeFileSync(path.join(dir, 'ntfy-token'), `${token}\n`);
    const hookPath = '/services/T0AAA/B0BBB/zzSlackSecretzz';
    const s = await setup(
      (r) => `    - ntfy: { url: "${r.url}/t", tokenFile: ${dir}/ntfy-token }
    - slack: { webhookFile: ${dir}/slack-hook }
    - webhook: { url: "${r.url}/h", secretFile: ${dir}/missing }
`,
    );
    writeFileSync(path.join(dir, 'slack-hook'), `${s.receiver.url}${hookPath}\n`);
    // The receiver quotes back what it got, secrets included, as real ones sometimes do.
    s.receiver.reply((r) => ({
      status: r.url === '/' ? 401 : 404,
      body: `denied ${r.headers.authorization ?? ''} at ${r.url}`,
    }));
    s.relay.enqueue(alert(s.clock), snapshot(worker('I3D')));
    await s.advance(0);
    await s.relay.stop();
    const shown = [
      JSON.stringify(s.relay.states()),
      s.logs.join('\n'),
      ...readdirSync(s.dataDir).map((f) => readFileSync(path.join(s.dataDir, f), 'utf8')),
    ].join('\n');
    for (const secret of [token, hookPath, 'zzSlackSecretzz']) expect(shown).not.toContain(secret);
    const [ntfy, slack, hook] = s.relay.states();
    expect(ntfy!.error).toMatch(
      /^HTTP 401: the receiver refused the credentials — check the secret in tokenFile.*Bearer \[redacted\]/,
    );
    expect(slack!.error).toMatch(/^HTTP 404: .*revoked webhook.*webhookFile.*at \[redacted\]/);
    expect(hook!.error).toMatch(/^cannot read secretFile .*missing: no such file/);
  });
});
