// Drives the follower's vitals reader (follower-script.ts's Vitals) alone, in a Python process of its own
// that loads the follower's source without running it: the same request lines the engine writes to the
// follower's pipe go to its stdin, and each answer frame (`v SEQ LEN` + the answer) comes back. One
// process per "follower", kept across requests, as the GPU query lives in it from tick to tick.

import { type ChildProcess, spawn } from 'node:child_process';
import { FOLLOWER_PY } from '../../src/main/engine/remote/follower-script';

const DRIVER = [
  'import os, sys',
  "ns = {'__name__': 'vigil_follower_test'}",
  "exec(compile(os.environ['VIGIL_FOLLOWER_PY'], 'follower', 'exec'), ns)",
  "v = ns['Vitals']()",
  'while True:',
  '    line = sys.stdin.buffer.readline()',
  '    if not line:',
  '        break',
  "    v.take(line.rstrip(b'\\n'))",
  "    ns['flush']()",
].join('\n');

export class FollowerVitalsDriver {
  private readonly child: ChildProcess;
  private held = Buffer.alloc(0);
  private waiting: ((b: Buffer) => void) | null = null;

  constructor(nonce: string, env: Record<string, string> = {}) {
    this.child = spawn('python3', ['-c', DRIVER], {
      env: { ...process.env, ...env, VIGIL_NONCE: nonce, VIGIL_FOLLOWER_PY: FOLLOWER_PY },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.held = Buffer.concat([this.held, chunk]);
      this.deliver();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends request lines; resolves with the answer's bytes (the frame's payload). */
  ask(lines: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the follower driver did not answer in 10 s')), 10_000);
      this.waiting = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
      this.child.stdin!.write(`${lines}\n`);
      this.deliver();
    });
  }

  private deliver(): void {
    const nl = this.held.indexOf(0x0a);
    if (nl < 0 || !this.waiting) return;
    const m = /^v \d+ (\d+)$/.exec(this.held.toString('latin1', 0, nl));
    if (!m)
      throw new Error(`the follower driver wrote ${JSON.stringify(this.held.toString('latin1', 0, 80))}`);
    const end = nl + 1 + Number(m[1]);
    if (this.held.length < end) return;
    const payload = this.held.subarray(nl + 1, end);
    this.held = this.held.subarray(end);
    const w = this.waiting;
    this.waiting = null;
    w(payload);
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}
