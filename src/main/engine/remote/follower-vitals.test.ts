import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult } from '../ssh';
import {
  FollowerCannotAsk,
  runVitalsViaFollower,
  type VitalsCourier,
  vitalsAsk,
  vitalsShape,
} from './follower-vitals';
import type { VitalsRequest } from './vitals-script';

const N = '0123456789abcdef';
const req = (change: Partial<VitalsRequest> = {}): VitalsRequest => ({
  procRoot: '/proc',
  sysRoot: '/sys',
  roots: [
    { kind: 'pid-file', path: '/runs/a b/train.pid' },
    { kind: 'pattern', pattern: "train.py --name 'x'", pids: [12, 13] },
    { kind: 'none' },
  ],
  dirs: ['/runs/a b'],
  pageSize: false,
  scan: false,
  gpuCollect: false,
  gpuStart: null,
  gpuTimeoutS: 5,
  ...change,
});

/** A follower that answers each request with `answer(seq)` (or never), and a shell that hands it over. */
function fixture(answer: ((seq: number) => Buffer) | null, stdout = 'sent\n') {
  const sent: { script: string; opts?: RunOptions }[] = [];
  const waiters = new Map<number, (b: Buffer) => void>();
  let seq = 0;
  const courier: VitalsCourier = {
    nonce: N,
    pipe: '/tmp/vigil-f9-abc/r',
    shape: null,
    expect: () => {
      const n = ++seq;
      const p = new Promise<Buffer>((resolve) => waiters.set(n, resolve));
      return { seq: n, answer: p, cancel: () => waiters.delete(n) };
    },
  };
  const session = {
    run: async (script: string, opts?: RunOptions): Promise<RunResult> => {
      sent.push({ script, opts });
      if (answer) setTimeout(() => waiters.get(seq)?.(answer(seq)), 5);
      return { stdout, code: 0 };
    },
  };
  return { sent, courier, session, waiters };
}

/** The vitals script's answer holding only MemTotal. */
function framed(memKb: number): Buffer {
  const line = `M MemTotal: ${memKb} kB`;
  return Buffer.from(`B 0 16:${N}\nA 0 ${line.length}:${line}\nE 0 16:${N}\n`);
}

describe('vitals through the follower', () => {
  it('says what a tick asks in a few words, the roots and folders only in the shape', () => {
    expect(vitalsAsk(req(), 4)).toBe('4 d k1=12,13');
    expect(
      vitalsAsk(req({ scan: true, pageSize: true, gpuCollect: true, gpuStart: 1, readDisks: false }), 5),
    ).toBe('5 z s c g1');
    expect(JSON.parse(vitalsShape(req()))).toEqual({
      proc: '/proc',
      sys: '/sys',
      roots: [['f', '/runs/a b/train.pid'], ['m', "train.py --name 'x'"], ['n']],
      dirs: ['/runs/a b'],
      gt: 5,
    });
    // One line: a pattern or path holding a newline stays inside the JSON string.
    expect(vitalsShape(req({ dirs: ['/a\nb'] }))).not.toContain('\n');
  });

  it('sends the shape once, then only the tick’s words, as a builtin run; reads the answer', async () => {
    const f = fixture(() => framed(1000));
    const first = await runVitalsViaFollower(f.session, f.courier, req(), 1000);
    const second = await runVitalsViaFollower(f.session, f.courier, req(), 1000);
    expect(first.error).toBeNull();
    expect(second.memTotalBytes).toBe(1000 * 1024);
    expect(f.sent.map((s) => s.opts?.env?.VIGIL_Q)).toEqual([
      `=${vitalsShape(req())}\n1 d k1=12,13`,
      '2 d k1=12,13',
    ]);
    expect(f.sent.every((s) => s.opts?.builtin === true)).toBe(true);
    expect(f.sent[0]!.script).toContain('1<>/tmp/vigil-f9-abc/r');
    // A new shape (a worker added) goes again.
    await runVitalsViaFollower(f.session, f.courier, req({ dirs: ['/x'] }), 1000);
    expect(f.sent[2]!.opts?.env?.VIGIL_Q).toMatch(/^=\{.*"\/x".*\}\n3 /);
    expect(f.waiters.size).toBe(0);
  });

  it('fails fast when the pipe is gone, and within its bound when no answer comes', async () => {
    const gone = fixture(() => framed(1), '');
    await expect(runVitalsViaFollower(gone.session, gone.courier, req(), 1000)).rejects.toThrow(
      FollowerCannotAsk,
    );
    expect(gone.courier.shape).toBeNull(); // not sent: the next follower gets it
    const mute = fixture(null);
    const t0 = Date.now();
    await expect(runVitalsViaFollower(mute.session, mute.courier, req(), 200)).rejects.toThrow(
      /did not answer within 0.2 s/,
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(mute.waiters.size).toBe(0);
  });
});
