// `vigil status --watch` / `vigil top` through the real CLI against a real sshd and a real trainer: one
// line per change into a pipe, a live table on a pseudo-terminal (via util-linux `script`), and a stop
// (SIGINT, or q) that ends it with exit 0 within a bound and gives the terminal back.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sshd, startSshd } from '../support/sshd';
import { startTrainer, type Trainer } from '../support/trainer';
import { freshDataDir, until, VIGIL_BIN, writeConfig } from './helpers';

interface Running {
  child: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(cmd: string, args: string[], env: Record<string, string>): Running {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => {
    text += d.toString();
  });
  child.stderr!.on('data', (d) => {
    text += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => text, exited };
}

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('vigil status --watch against a real sshd', () => {
  let sshd: Sshd;
  let trainer: Trainer;
  const running: Running[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    trainer = await startTrainer({ format: 'jsonl', epochs: 10_000, intervalMs: 100 });
    await trainer.waitForRecords(3, 10_000);
  });
  afterAll(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    await trainer?.stop();
    await sshd?.stop();
  });

  const config = () =>
    writeConfig(sshd, [
      {
        name: 'I3D',
        dir: trainer.dir,
        metrics: 'metrics.jsonl',
        process: { pidFile: 'train.pid' },
        stallAfter: '3s',
      },
    ]);

  it('not a terminal: one line per change (running, then stalled when the trainer pauses); SIGINT ends it with 0', async () => {
    const r = start(process.execPath, [VIGIL_BIN, 'status', '--watch', '--config', config()], {
      VIGIL_DATA: freshDataDir(),
    });
    running.push(r);
    await until(r.out, (s) => /^\d\d:\d\d:\d\d I3D (\w+ → )?running/m.test(s), 30_000, 'I3D running');
    trainer.pause();
    try {
      await until(r.out, (s) => /^\d\d:\d\d:\d\d I3D \w+ → stalled: .+$/m.test(s), 30_000, 'I3D stalled');
    } finally {
      trainer.resume();
    }
    const lines = r.out().trim().split('\n');
    // One line per change, never a table, never a line repeated for a clock tick.
    expect(
      lines.every((l) => /^\d\d:\d\d:\d\d (I3D|host) /.test(l)),
      r.out(),
    ).toBe(true);
    expect(lines.length).toBeLessThan(8);
    const t0 = Date.now();
    r.child.kill('SIGINT');
    const { code } = await r.exited;
    const stopMs = Date.now() - t0;
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(8000);
    console.log(`vigil status --watch stopped ${stopMs} ms after SIGINT`);
  }, 90_000);

  it.skipIf(!hasScript())(
    'a terminal: alternate screen, hidden cursor, a table redrawn in place with colours; q gives the terminal back, exit 0',
    async () => {
      // `script` gives the CLI a pseudo-terminal; what it draws arrives here byte for byte.
      const cmd = `${process.execPath} ${VIGIL_BIN} top --config ${config()}`;
      const r = start('script', ['-qfec', cmd, '/dev/null'], { VIGIL_DATA: freshDataDir(), NO_COLOR: '' });
      running.push(r);
      await until(r.out, (s) => s.includes('\x1b[32mrunning\x1b[0m'), 30_000, 'a coloured running row');
      const shown = r.out();
      expect(shown).toContain('\x1b[?1049h\x1b[?25l');
      expect(shown).toMatch(/\x1b\[Hvigil · \d\d:\d\d:\d\d · 1 running · q quits/);
      expect(shown).toMatch(/HOST vigil-test-\d+: ok/);
      // Redrawn in place: every frame starts at home; the screen is never scrolled with newlines alone.
      expect(shown.split('\x1b[H').length).toBeGreaterThan(1);
      const t0 = Date.now();
      r.child.stdin!.on('error', () => {}); // the pipe closes as the CLI exits
      r.child.stdin!.write('q');
      const { code } = await r.exited;
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(r.out().slice(shown.length - 1)).toContain('\x1b[?25h\x1b[?1049l');
    },
    90_000,
  );
});
