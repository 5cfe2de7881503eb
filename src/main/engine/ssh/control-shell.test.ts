import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { ControlShell } from './control-shell';

/** A channel that records what is written and lets the test play the remote shell's output. */
function fakeChannel() {
  const ch = Object.assign(new EventEmitter(), {
    written: [] as string[],
    write(line: string) {
      ch.written.push(line);
      return true;
    },
    stderr: { resume() {}, on() {} },
    close() {},
  });
  /** The marker line the shell would print after the script, with this exit status. */
  const markerOf = (line: string, code: number) => {
    const m = /printf '\\n%s %s\\n' '([^']+)' "\$\?"/.exec(line);
    if (!m) throw new Error(`no marker in ${line}`);
    return `\n${m[1]} ${code}\n`;
  };
  return { ch, channel: ch as unknown as ClientChannel, markerOf };
}

/** Splits bytes into pieces of `size` (1: every byte its own packet). */
function pieces(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe('ControlShell framing', () => {
  it('returns exactly the script output and status, whatever the packet boundaries', async () => {
    for (const size of [1, 2, 3, 7, 64, 4096]) {
      const { ch, channel, markerOf } = fakeChannel();
      const shell = new ControlShell(channel, 'gpu');
      const output = 'S 12 34 56 /runs/a.jsonl\nQ 0 1\nlast line without newline é';
      const p = shell.run('stat /runs/a.jsonl', 10);
      const reply = Buffer.from(output + markerOf(ch.written[0]!, 3));
      for (const piece of pieces(reply, size)) ch.emit('data', piece);
      await expect(p).resolves.toEqual({ stdout: output, code: 3 });
    }
  });

  it('runs scripts one after another, each framed by its own marker; binary output does not confuse it', async () => {
    const { ch, channel, markerOf } = fakeChannel();
    const shell = new ControlShell(channel, 'gpu');
    const binary = Buffer.from([0, 255, 10, 95, 95, 86, 73, 71, 73, 76, 10, 0]); // contains "\n__VIGIL\n"
    const first = shell.run('cat blob', 10);
    ch.emit('data', Buffer.concat([binary, Buffer.from(markerOf(ch.written[0]!, 0))]));
    const r1 = await first;
    expect(Buffer.from(r1.stdout, 'utf8').length).toBeGreaterThan(0);
    expect(r1.code).toBe(0);
    const second = shell.run('true', 10);
    // The first script's marker (printed again by the script) does not end the second one.
    const stale = markerOf(ch.written[0]!, 7);
    ch.emit('data', Buffer.from(stale));
    ch.emit('data', Buffer.from(`ok${markerOf(ch.written[1]!, 0)}`));
    await expect(second).resolves.toEqual({ stdout: `${stale}ok`, code: 0 });
  });

  it('a long script is sent once, then run by the name of the variable holding it', async () => {
    const { ch, channel, markerOf } = fakeChannel();
    const shell = new ControlShell(channel, 'gpu');
    const script = `# probe\n${'stat /runs/file.jsonl; '.repeat(20)}`;
    for (let i = 0; i < 3; i++) {
      const p = shell.run(script, 10);
      ch.emit('data', Buffer.from(`out${i}${markerOf(ch.written[i]!, 0)}`));
      await expect(p).resolves.toEqual({ stdout: `out${i}`, code: 0 });
    }
    expect(ch.written[0]).toContain('/runs/file.jsonl');
    expect(ch.written[1]).not.toContain('/runs/file.jsonl');
    expect(ch.written[1]!.length).toBeLessThan(200);
  });

  it('a short script run every tick is kept too when asked, and runs without `timeout`', async () => {
    const { ch, channel, markerOf } = fakeChannel();
    const shell = new ControlShell(channel, 'gpu');
    const script = `[ -p '/tmp/vigil-f1-x/r' ] && printf '%s\\n' "$VIGIL_Q" 1<>'/tmp/vigil-f1-x/r' && echo sent`;
    for (let i = 0; i < 2; i++) {
      const p = shell.run(script, null, { env: { VIGIL_Q: `${i} d` }, keep: true });
      ch.emit('data', Buffer.from(`sent\n${markerOf(ch.written[i]!, 0)}`));
      await expect(p).resolves.toEqual({ stdout: 'sent\n', code: 0 });
    }
    expect(ch.written[0]).toContain('/tmp/vigil-f1-x/r');
    expect(ch.written[1]).not.toContain('/tmp/vigil-f1-x/r');
    expect(ch.written[1]).toContain("VIGIL_Q='1 d'");
    expect(ch.written.join('')).not.toContain('timeout');
  });

  it('a channel that ends fails the running script with the host named', async () => {
    const { ch, channel } = fakeChannel();
    const shell = new ControlShell(channel, 'gpu');
    const p = shell.run('sleep 100', 10);
    ch.emit('data', Buffer.from('partial'));
    ch.emit('close');
    await expect(p).rejects.toThrow(/gpu: the control shell channel closed before the script finished/);
    expect(shell.dead).toBe(true);
  });
});
