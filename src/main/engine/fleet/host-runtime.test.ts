import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../../../../test/support/fake-clock';
import { localConnector } from '../../../../test/support/local-connector';
import type { HostConfig } from '../config';
import { parseConfig } from '../config';
import { type ResolvedHost, type SshConnector, SshError, type SshSession } from '../ssh';
import { HostRuntime } from './host-runtime';
import { WorkerMonitor } from './worker-monitor';

const hostCfg: HostConfig = {
  name: 'ec2',
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
};
const resolved = { name: 'ec2' } as ResolvedHost;

function fakeSession(): SshSession & { kill(): void } {
  let onClose: ((e: SshError) => void) | null = null;
  const s = {
    home: '/home/u',
    alive: true,
    // An empty but well-formed probe answer (the nonce comes in the run's environment).
    run: async (_script: string, opts?: { env?: Record<string, string> }) => {
      const n = opts?.env?.VIGIL_NONCE ?? '';
      return { stdout: `B 0 ${n.length}:${n}\nE 0 ${n.length}:${n}\n`, code: 0 };
    },
    read: async () => new Uint8Array(0),
    close: () => {
      s.alive = false;
    },
    onClose: (fn: (e: SshError) => void) => {
      onClose = fn;
    },
    kill: () => {
      s.alive = false;
      onClose?.(new SshError('lost', 'keepalive timeout'));
    },
  };
  return s;
}

function connector(behaviour: () => Promise<SshSession>): SshConnector & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    connect: () => {
      calls.push(Date.now());
      return behaviour();
    },
  };
}

function runtime(clock: FakeClock, conn: SshConnector, random = () => 0) {
  return new HostRuntime(hostCfg, [], { connector: conn, clock, resolve: async () => resolved, random });
}

describe('HostRuntime connection policy', () => {
  it('never has two connects in flight', async () => {
    const clock = new FakeClock();
    let finish!: (s: SshSession) => void;
    const conn = connector(() => new Promise((r) => (finish = r)));
    const h = runtime(clock, conn);
    const all = Promise.all([h.ensureSession(), h.ensureSession(), h.ensureSession(), h.tick(), h.tick()]);
    await flush();
    expect(conn.calls.length).toBe(1);
    finish(fakeSession());
    await all;
    expect(conn.calls.length).toBe(1);
    expect(h.connection).toBe('ok');
  });

  it('backs off exponentially with jitter up to a minute: no storm against a dead host', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const attempts: number[] = [];
    const conn = connector(async () => {
      attempts.push(clock.now() - start);
      throw new SshError('tcp', 'connect ECONNREFUSED');
    });
    const h = runtime(clock, conn, () => 0.5);
    for (let i = 0; i < 400; i++) {
      await h.tick();
      await clock.advance(1000);
    }
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // ceilings 1, 2, 4, … 60 s; with random 0.5 each delay is 3/4 of its ceiling, rounded up to the 1 s tick.
    expect(gaps.slice(0, 7)).toEqual([1000, 2000, 3000, 6000, 12_000, 24_000, 45_000]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(60_000);
    expect(attempts.length).toBeLessThanOrEqual(15); // 400 s of a dead host
    expect(h.connection).toBe('unreachable');
    expect(h.reason).toContain('ECONNREFUSED');
  });

  it('jitter spreads hosts apart', async () => {
    const delays = [0, 0.25, 0.99].map((r) => {
      const clock = new FakeClock();
      const h = runtime(
        clock,
        connector(async () => Promise.reject(new SshError('timeout', 'no answer'))),
        () => r,
      );
      return h
        .tick()
        .then(() => h.tick())
        .then(() => h.retryAt - clock.now());
    });
    const got = await Promise.all(delays);
    expect(new Set(got).size).toBe(3);
  });

  it('a changed host key stops all attempts until the user acts', async () => {
    const clock = new FakeClock();
    const conn = connector(async () => {
      throw new SshError('host-key-mismatch', 'host key changed for 1.2.3.4', 'ssh-keygen -R 1.2.3.4');
    });
    const h = runtime(clock, conn);
    await h.tick();
    for (let i = 0; i < 60; i++) {
      await clock.advance(60_000);
      await h.tick();
    }
    expect(conn.calls.length).toBe(1);
    expect(h.connection).toBe('host-key-mismatch');
    expect(h.reason).toBe('host key changed for 1.2.3.4 — ssh-keygen -R 1.2.3.4');
    expect(h.retryAt).toBe(Number.POSITIVE_INFINITY);
  });

  it('an auth failure is retried only every 5 minutes', async () => {
    const clock = new FakeClock();
    const conn = connector(async () => {
      throw new SshError('auth', 'all keys refused');
    });
    const h = runtime(clock, conn);
    for (let i = 0; i < 600; i++) {
      await h.tick();
      await clock.advance(1000);
    }
    expect(conn.calls.length).toBe(2);
    expect(h.connection).toBe('auth-failed');
  });

  it('a lost connection is unreachable at once and reconnects after a short backoff; success resets it', async () => {
    const clock = new FakeClock();
    const sessions: ReturnType<typeof fakeSession>[] = [];
    const conn = connector(async () => {
      const s = fakeSession();
      sessions.push(s);
      return s;
    });
    const h = runtime(clock, conn, () => 0);
    await h.tick();
    expect(h.connection).toBe('ok');
    sessions[0]!.kill();
    expect(h.connection).toBe('unreachable');
    expect(h.reason).toBe('keepalive timeout');
    await h.tick();
    expect(conn.calls.length).toBe(1); // backing off
    await clock.advance(600);
    await h.tick();
    expect(conn.calls.length).toBe(2);
    expect(h.connection).toBe('ok');
  });

  it("reads a host's files together, sharing the byte cap, and catches up over the next ticks", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-host-'));
    const line = `${JSON.stringify({ step: 1, loss: 0.5, pad: 'x'.repeat(100) })}\n`;
    const names = ['a', 'b', 'c', 'd'];
    for (const n of names) writeFileSync(path.join(dir, `${n}.jsonl`), line.repeat(10_000)); // ~1.2 MB each
    const config = parseConfig(
      `hosts: { ec2: { hostname: localhost } }
workers:
${names.map((n) => `  - { name: ${n}, host: ec2, dir: ${dir}, metrics: ${n}.jsonl }`).join('\n')}
`,
      'config.yaml',
    );
    const data = mkdtempSync(path.join(os.tmpdir(), 'vigil-host-data-'));
    const workers = config.workers.map((w) => new WorkerMonitor(w, data));
    const local = localConnector();
    let inFlight = 0;
    let mostInFlight = 0;
    const conn: SshConnector = {
      connect: async (r) => {
        const s = await local.connect(r);
        const read = s.read.bind(s);
        s.read = async (...args) => {
          mostInFlight = Math.max(mostInFlight, ++inFlight);
          try {
            return await read(...args);
          } finally {
            inFlight--;
          }
        };
        return s;
      },
    };
    const cap = 2 << 20;
    const host = new HostRuntime(hostCfg, workers, {
      connector: conn,
      clock: new FakeClock(),
      resolve: async () => resolved,
      maxBytesPerTick: cap,
    });
    const first = await host.tick();
    expect(first.more).toBe(true);
    expect(mostInFlight).toBe(4); // one request per worker, all at once
    const mirrored = () => workers.reduce((n, w) => n + statSync(w.metricsMirror).size, 0);
    expect(mirrored()).toBeLessThanOrEqual(cap);
    let ticks = 1;
    while ((await host.tick()).more) ticks++;
    expect(ticks).toBeGreaterThan(1);
    expect(mirrored()).toBe(4 * line.length * 10_000);
    expect(workers.map((w) => w.records.count)).toEqual([10_000, 10_000, 10_000, 10_000]);
    await Promise.all(workers.map((w) => w.close()));
    host.stop();
  });
});
