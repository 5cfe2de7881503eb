import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkMaster, dropMaster, type ExecFn, prepareControlPath, reapOwnedMasters } from './control-master';
import type { SshCommand } from './ssh-command';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(answer: { code: number; stderr: string }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-cm-'));
  dirs.push(dir);
  const controlPath = path.join(dir, 'ssh', 'abc');
  const cmd: SshCommand = {
    argv: ['ssh', '-F', '/cfg', '-o', `ControlPath=${controlPath}`],
    target: 'ec2',
    sshTarget: 'ec2',
  };
  const calls: string[][] = [];
  const exec: ExecFn = async (file, args) => {
    calls.push([file, ...args]);
    return { code: answer.code, stdout: '', stderr: answer.stderr };
  };
  return { controlPath, cmd, calls, exec };
}

describe('control master', () => {
  it('asks the master over the socket, never the host', async () => {
    const t = setup({ code: 0, stderr: 'Master running (pid=4321)\r\n' });
    expect(await checkMaster(t.cmd, t.exec)).toEqual({ alive: true, pid: 4321 });
    expect(t.calls[0]).toEqual([
      'ssh',
      '-F',
      '/cfg',
      '-o',
      `ControlPath=${t.controlPath}`,
      '-O',
      'check',
      '--',
      'ec2',
    ]);
  });

  it('removes a socket whose master is gone, keeps a live one, and makes the folder private', async () => {
    const dead = setup({ code: 255, stderr: 'Control socket connect(/x): Connection refused\n' });
    expect(await prepareControlPath(dead.controlPath, dead.cmd, dead.exec)).toBe(false);
    expect(dead.calls).toEqual([]); // no socket yet: nothing to ask
    writeFileSync(dead.controlPath, '');
    expect(await prepareControlPath(dead.controlPath, dead.cmd, dead.exec)).toBe(false);
    expect(existsSync(dead.controlPath)).toBe(false);

    const live = setup({ code: 0, stderr: 'Master running (pid=1)\n' });
    await prepareControlPath(live.controlPath, live.cmd, live.exec);
    writeFileSync(live.controlPath, '');
    expect(await prepareControlPath(live.controlPath, live.cmd, live.exec)).toBe(true);
    expect(existsSync(live.controlPath)).toBe(true);
    const { statSync } = await import('node:fs');
    expect(statSync(path.dirname(live.controlPath)).mode & 0o777).toBe(0o700);
  });

  it('drops a master: exit request, SIGTERM to its pid, socket removed', async () => {
    const t = setup({ code: 0, stderr: 'Master running (pid=4321)\n' });
    await prepareControlPath(t.controlPath, t.cmd, t.exec);
    writeFileSync(t.controlPath, '');
    const killed: [number, string][] = [];
    await dropMaster(t.controlPath, t.cmd, t.exec, (pid, sig) => killed.push([pid, sig]));
    expect(t.calls.map((c) => c.at(-3))).toEqual(['check', 'exit']);
    expect(killed).toEqual([[4321, 'SIGTERM']]);
    expect(existsSync(t.controlPath)).toBe(false);
  });
});

describe('reaping the masters a killed Vigil left', () => {
  it('ends the data folder own sockets and the shared ones marked as its, and no other', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-reap-'));
    const shared = mkdtempSync(path.join(os.tmpdir(), 'vigil-reap-shared-'));
    dirs.push(dataDir, shared);
    mkdirSync(path.join(dataDir, 'ssh'));
    const listen = (p: string) =>
      new Promise<Server>((resolve) => {
        const s = createServer();
        s.listen(p, () => resolve(s));
      });
    const ours = path.join(dataDir, 'ssh', 'aaaa');
    const oursShared = path.join(shared, 'bbbb');
    const theirs = path.join(shared, 'cccc');
    const servers = await Promise.all([listen(ours), listen(oursShared), listen(theirs)]);
    writeFileSync(`${oursShared}.owner`, dataDir);
    writeFileSync(`${theirs}.owner`, '/home/someone/else');
    writeFileSync(path.join(dataDir, 'ssh', 'not-a-socket'), '');
    const calls: string[][] = [];
    const killed: number[] = [];
    let pid = 900;
    const exec: ExecFn = async (file, args) => {
      calls.push([file, ...args]);
      return { code: 0, stdout: '', stderr: args.includes('check') ? `Master running (pid=${pid++})\n` : '' };
    };
    try {
      const n = await reapOwnedMasters(dataDir, { exec, kill: (p) => killed.push(p), sharedDir: shared });
      expect(n).toBe(2);
      const exits = calls
        .filter((c) => c.includes('exit'))
        .map((c) => c.find((a) => a.startsWith('ControlPath=')));
      expect(exits.sort()).toEqual([`ControlPath=${ours}`, `ControlPath=${oursShared}`].sort());
      // Only the master: ssh reads no config and is told the socket, never a host to connect to.
      expect(calls[0]!.slice(0, 3)).toEqual(['ssh', '-F', 'none']);
      expect(killed.length).toBe(2);
      expect(existsSync(ours)).toBe(false);
      expect(existsSync(oursShared)).toBe(false);
      expect(existsSync(`${oursShared}.owner`)).toBe(false);
      expect(existsSync(theirs)).toBe(true);
      expect(existsSync(`${theirs}.owner`)).toBe(true);
    } finally {
      for (const s of servers) s.close();
    }
  });
});
