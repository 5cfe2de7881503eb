import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../../../../test/support/fake-clock';
import type { Progress } from './progress';
import { type ChildLike, runRsync, type SpawnFn } from './runner';

class FakeChild extends EventEmitter {
  readonly pid = 4242;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.emit('exit', code, signal);
    this.stdout.end();
    this.stderr.end();
  }
}

function setup(opts: { obeysTerm?: boolean } = {}) {
  const clock = new FakeClock();
  const child = new FakeChild();
  const signals: { pid: number; sig: NodeJS.Signals; at: number }[] = [];
  const calls: { cmd: string; args: readonly string[]; detached: boolean }[] = [];
  const spawn: SpawnFn = (cmd, args, o) => {
    calls.push({ cmd, args, detached: o.detached });
    return child as unknown as ChildLike;
  };
  const killGroup = (pid: number, sig: NodeJS.Signals) => {
    signals.push({ pid, sig, at: clock.now() });
    if (sig === 'SIGKILL' || (sig === 'SIGTERM' && opts.obeysTerm !== false)) {
      setImmediate(() => child.exit(sig === 'SIGKILL' ? null : 20, sig === 'SIGKILL' ? 'SIGKILL' : null));
    }
  };
  const progress: Progress[] = [];
  const t0 = clock.now();
  const result = runRsync({
    args: ['-a', 'src', 'dst'],
    clock,
    noProgressMs: 10_000,
    killGraceMs: 2_000,
    spawn,
    killGroup,
    onProgress: (p) => progress.push(p),
    to: '/data/dst',
    host: 'ec2',
  });
  return { clock, child, signals, calls, progress, result, t0 };
}

const line = (bytes: number, pct: number) =>
  `\r  ${bytes.toLocaleString('en-US')}  ${pct}%  1.00MB/s  0:00:05 `;

describe('runRsync', () => {
  it('runs rsync in its own process group, streams progress and reports the wire bytes', async () => {
    const t = setup();
    expect(t.calls).toEqual([{ cmd: 'rsync', args: ['-a', 'src', 'dst'], detached: true }]);
    t.child.stdout.write(line(1000, 10));
    t.child.stdout.write(`${line(5000, 50)}\r  10,000 100%  1.00MB/s  0:00:01 (xfr#1, to-chk=0/1)\n\n`);
    t.child.stdout.write('sent 30 bytes  received 10,150 bytes  2,000.00 bytes/sec\n');
    await flush();
    await t.clock.advance(1_500);
    t.child.exit(0);
    const r = await t.result;
    expect(r).toMatchObject({
      ok: true,
      code: 0,
      severity: 'ok',
      message: 'ok',
      bytes: 10_150,
      durationMs: 1_500,
    });
    expect(t.progress.map((p) => p.percent)).toEqual([10, 50, 100]);
    expect(t.signals).toEqual([]);
  });

  it('ends a transfer that moves nothing for the bound: SIGTERM to the group, then an unreachable message', async () => {
    const t = setup();
    t.child.stdout.write(line(1000, 10));
    await t.clock.advance(8_000);
    t.child.stdout.write(line(2000, 20)); // progress: the bound starts again
    await t.clock.advance(9_000);
    expect(t.signals).toEqual([]);
    // the host freezes: the same numbers again are not progress
    t.child.stdout.write(line(2000, 20));
    await t.clock.advance(1_500);
    expect(t.signals).toEqual([{ pid: 4242, sig: 'SIGTERM', at: t.t0 + 18_000 }]);
    await new Promise((r) => setImmediate(r));
    const r = await t.result;
    expect(r.ok).toBe(false);
    expect(r.watchdogFired).toBe(true);
    expect(r.failure).toBe('unreachable');
    expect(r.message).toMatch(/^ec2 unreachable: no data moved for 10 s/);
  });

  it('escalates to SIGKILL when rsync ignores SIGTERM', async () => {
    const t = setup({ obeysTerm: false });
    await t.clock.advance(10_000);
    expect(t.signals.map((s) => s.sig)).toEqual(['SIGTERM']);
    await t.clock.advance(2_000);
    expect(t.signals.map((s) => s.sig)).toEqual(['SIGTERM', 'SIGKILL']);
    await flush();
    const r = await t.result;
    expect(r.watchdogFired).toBe(true);
    expect(r.durationMs).toBe(12_000);
  });

  it('turns an exit code into its message with the stderr reason', async () => {
    const t = setup();
    t.child.stderr.write('ssh: connect to host 10.0.0.5 port 22: Connection refused\r\n');
    await flush();
    t.child.exit(255);
    const r = await t.result;
    expect(r).toMatchObject({ ok: false, code: 255, failure: 'unreachable' });
    expect(r.message).toContain('Connection refused');
  });

  it('says when rsync is not installed', async () => {
    const clock = new FakeClock();
    const r = await runRsync({
      args: [],
      clock,
      noProgressMs: 1000,
      spawn: () => {
        throw Object.assign(new Error('spawn rsync ENOENT'), { code: 'ENOENT' });
      },
      to: '/x',
      host: 'h',
    });
    expect(r.message).toMatch(/rsync is not installed on this computer/);
    expect(clock.pending()).toBe(0);
  });
});
