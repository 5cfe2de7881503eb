// Tests of the bench itself, against the system ssh client, so that a failing integration test can be
// blamed on Vigil and not on its fixtures.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, sleep } from './proc';
import { type Sshd, sshArgs, startSshd } from './sshd';
import { startTarpit } from './tarpit';
import { startProxy } from './tcp-proxy';
import { countRecords, startTrainer, type TrainerFormat } from './trainer';

interface Run {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

function ssh(args: string[]): Run {
  const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, stdout: () => stdout, stderr: () => stderr };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function sessionsStarted(sshd: Sshd): number {
  return sshd.log().split('Starting session:').length - 1;
}

describe('sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 4 });
  });
  afterAll(async () => {
    await sshd.stop();
  });

  it('accepts the client key through the ssh_config alias', async () => {
    const run = ssh([...sshArgs(sshd), 'echo hi']);
    expect(await run.code).toBe(0);
    expect(run.stdout()).toBe('hi\n');
    expect(sshd.log()).toContain('Accepted publickey');
    expect(readFileSync(sshd.knownHostsPath, 'utf8')).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
  });

  it('freezeSessions() holds a running command until thawSessions()', async () => {
    const before = sessionsStarted(sshd);
    const run = ssh([...sshArgs(sshd), 'sleep 0.2; echo x']);
    await waitFor('the session to start', () => sessionsStarted(sshd) > before);
    expect(sshd.freezeSessions().length).toBeGreaterThan(0);
    const answered = await Promise.race([run.code.then(() => true), sleep(1000).then(() => false)]);
    expect(answered).toBe(false);
    expect(run.stdout()).toBe('');
    sshd.thawSessions();
    expect(await run.code).toBe(0);
    expect(run.stdout()).toBe('x\n');
  });

  it('freezeListener() leaves new clients without a banner until thawListener()', async () => {
    sshd.freezeListener();
    try {
      const run = ssh(['-o', 'ConnectTimeout=1', ...sshArgs(sshd), 'true']);
      expect(await run.code).toBe(255);
      expect(run.stderr()).toMatch(/timed out/i);
    } finally {
      sshd.thawListener();
    }
    expect(await ssh([...sshArgs(sshd), 'true']).code).toBe(0);
  });

  it('killSessions() drops live sessions and restart() comes back on the same port', async () => {
    const before = sessionsStarted(sshd);
    const run = ssh([...sshArgs(sshd), 'sleep 30']);
    await waitFor('the session to start', () => sessionsStarted(sshd) > before);
    sshd.killSessions();
    expect(await run.code).toBe(255);
    expect(sshd.sessionPids()).toEqual([]);

    const { port, pid } = sshd;
    await sshd.restart();
    expect(sshd.port).toBe(port);
    expect(sshd.pid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(await ssh([...sshArgs(sshd), 'true']).code).toBe(0);
  });

  it('after regenerateHostKey() ssh refuses the changed host key', async () => {
    await sshd.regenerateHostKey();
    const run = ssh([...sshArgs(sshd), 'echo should-not-run']);
    expect(await run.code).toBe(255);
    expect(run.stderr()).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(run.stdout()).toBe('');
  });
});

describe('sshd lifecycle', () => {
  it('hashes known_hosts on request, and stop() kills the listener and its sessions and removes the dir', async () => {
    const sshd = await startSshd({ hashKnownHosts: true });
    expect(readFileSync(sshd.knownHostsPath, 'utf8')).toMatch(/^\|1\|/);
    const before = sessionsStarted(sshd);
    const run = ssh([...sshArgs(sshd), 'sleep 30']);
    await waitFor('the session to start', () => sessionsStarted(sshd) > before);
    const pids = [sshd.pid, ...sshd.sessionPids()];
    expect(pids.length).toBeGreaterThan(1);
    await sshd.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(sshd.dir)).toBe(false);
    expect(await run.code).toBe(255);
  });
});

describe('fake trainer', () => {
  const expected: Record<TrainerFormat, RegExp> = {
    jsonl: /^\{"epoch":3,"step":300,"loss":2\.025,"val_loss":2\.2775,"lr":0\.0009025,"time":\d+(\.\d+)?\}$/,
    csv: /^3,300,2\.025,2\.2775,0\.0009025$/,
    text: /^Epoch 3\/4 - step 300 - loss: 2\.0250 - val_loss: 2\.2775$/,
  };

  it.each(['jsonl', 'csv', 'text'] as const)(
    'writes %s records at its pace and completes',
    async (format) => {
      const trainer = await startTrainer({ format, epochs: 4, intervalMs: 50 });
      try {
        expect(readFileSync(trainer.pidPath, 'utf8').trim()).toBe(String(trainer.pid));
        expect(trainer.records()).toBe(0);
        expect(await trainer.exited).toBe(0);
        const lines = readFileSync(trainer.metricsPath, 'utf8').trimEnd().split('\n');
        expect(countRecords(lines.join('\n') + '\n', format)).toBe(4);
        if (format === 'csv') expect(lines[0]).toBe('epoch,step,loss,val_loss,lr');
        expect(lines.at(-2)).toMatch(expected[format]);
        const log = readFileSync(trainer.logPath, 'utf8');
        expect(log).toMatch(/^\[\d{4}-\d\d-\d\dT[^\]]+\] Epoch 4\/4 loss 1\.8225/m);
        expect(log.trimEnd()).toMatch(/Training complete$/);
        expect(existsSync(trainer.pidPath)).toBe(true);
      } finally {
        await trainer.stop();
      }
    },
  );

  it('keeps its pace, stops growing while paused and resumes', async () => {
    const trainer = await startTrainer({ format: 'jsonl', epochs: 100, intervalMs: 100 });
    try {
      expect(readFileSync(`/proc/${trainer.pid}/cmdline`, 'utf8').split('\0')).toEqual(
        expect.arrayContaining(['--tag', trainer.tag]),
      );
      await sleep(550);
      expect(trainer.records()).toBeGreaterThanOrEqual(3);
      expect(trainer.records()).toBeLessThanOrEqual(6);
      trainer.pause();
      const paused = trainer.records();
      await sleep(400);
      expect(trainer.records()).toBe(paused);
      trainer.resume();
      await trainer.waitForRecords(paused + 2, 2000);
    } finally {
      await trainer.stop();
    }
    expect(await trainer.exited).toBe(143);
  });

  it('crash() (even while paused) leaves a Python traceback and exits 1', async () => {
    const trainer = await startTrainer({ format: 'csv', epochs: 100, intervalMs: 30 });
    try {
      await trainer.waitForRecords(2);
      trainer.pause();
      expect(await trainer.crash()).toBe(1);
      const log = readFileSync(trainer.logPath, 'utf8');
      expect(log).toContain('Traceback (most recent call last):');
      expect(log).toMatch(/^torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 2\.00 GiB/m);
      expect(log).not.toContain('Training complete');
    } finally {
      await trainer.stop();
    }
  });

  it('finish() writes every remaining epoch at once; a resumed run appends without a second header', async () => {
    const first = await startTrainer({ format: 'csv', epochs: 50, intervalMs: 10_000 });
    try {
      expect(await first.finish()).toBe(0);
      expect(first.records()).toBe(50);
      expect(readFileSync(first.logPath, 'utf8').trimEnd()).toMatch(/Training complete$/);

      const resumed = await startTrainer({
        dir: first.dir,
        format: 'csv',
        epochs: 52,
        intervalMs: 10,
        startEpoch: 51,
      });
      expect(await resumed.exited).toBe(0);
      const text = readFileSync(first.metricsPath, 'utf8');
      expect(resumed.records()).toBe(52);
      expect(text.split('epoch,step').length).toBe(2);
      expect(text).toMatch(/\n52,5200,[\d.]+,[\d.]+,[\d.]+\n$/);
    } finally {
      await first.stop();
    }
  });
});

describe('tarpit', () => {
  it('accepts connections and never speaks', async () => {
    const tarpit = await startTarpit();
    try {
      const socket = connect({ host: '127.0.0.1', port: tarpit.port });
      let received = 0;
      socket.on('data', (chunk) => {
        received += chunk.length;
      });
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('SSH-2.0-OpenSSH_9.2\r\n');
      await sleep(300);
      expect(received).toBe(0);
      socket.destroy();

      const run = ssh([
        '-o',
        'ConnectTimeout=1',
        '-o',
        'BatchMode=yes',
        '-p',
        String(tarpit.port),
        '127.0.0.1',
        'true',
      ]);
      expect(await run.code).toBe(255);
      expect(run.stderr()).toMatch(/banner exchange/);
      expect(tarpit.connections()).toBe(2);
    } finally {
      await tarpit.stop();
    }
  });
});

describe('tcp proxy', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd.stop();
  });

  // Through the proxy the port differs, so pin the known_hosts entry name to the real one.
  const viaProxy = (port: number, command: string): Run =>
    ssh(['-o', `Port=${port}`, '-o', `HostKeyAlias=[127.0.0.1]:${sshd.port}`, ...sshArgs(sshd), command]);

  it('forwards ssh, counts bytes both ways, adds delay and cuts connections', async () => {
    const proxy = await startProxy({ targetPort: sshd.port });
    try {
      const run = viaProxy(proxy.port, 'echo through');
      expect(await run.code).toBe(0);
      expect(run.stdout()).toBe('through\n');
      const { up, down } = proxy.bytes();
      expect(up).toBeGreaterThan(1000);
      expect(down).toBeGreaterThan(1000);

      // A command's output arrives after one proxy round trip more than without the delay.
      proxy.setDelay(150);
      const started = Date.now();
      const slow = viaProxy(proxy.port, 'true');
      expect(await slow.code).toBe(0);
      expect(Date.now() - started).toBeGreaterThan(900); // Several round trips of 2 × 150 ms.
      proxy.setDelay(0);

      const before = sessionsStarted(sshd);
      const cut = viaProxy(proxy.port, 'sleep 30');
      await waitFor('the session to start', () => sessionsStarted(sshd) > before);
      proxy.cutAll();
      expect(await cut.code).toBe(255);
      expect(proxy.connections()).toBe(3);
    } finally {
      await proxy.stop();
    }
  });
});
