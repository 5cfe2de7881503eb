// An SshConnector whose "remote" is this machine: scripts run in a local sh, reads come from local
// files. Lets engine tests run the real probe and reader with a fake clock and no sshd.

import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import type { Clock } from '../../src/main/engine/ports';
import type { SshConnector, SshError, SshSession } from '../../src/main/engine/ssh/types';

export interface LocalSession extends SshSession {
  alive: boolean;
  runs: number;
  /** Simulates a dropped connection. */
  drop(err: SshError): void;
}

/** With a clock, the "remote" `date` answers that clock's time (so a fake clock governs both sides). */
export function localConnector(clock?: Clock): SshConnector & { sessions: LocalSession[]; connects: number } {
  const sessions: LocalSession[] = [];
  const conn = {
    sessions,
    connects: 0,
    async connect(): Promise<SshSession> {
      conn.connects++;
      const listeners: ((e: SshError) => void)[] = [];
      const s: LocalSession = {
        home: os.homedir(),
        alive: true,
        runs: 0,
        run(script, opts) {
          s.runs++;
          return new Promise((resolve) => {
            const body = clock
              ? script.replaceAll('$(date +%s.%N)', (clock.now() / 1000).toFixed(3))
              : script;
            // Through stdin as the real session sends long scripts: no argument-length limit.
            const child = spawn('sh', ['-s'], {
              env: { ...process.env, ...opts?.env },
              stdio: ['pipe', 'pipe', 'pipe'],
            });
            const out: Buffer[] = [];
            child.stdout.on('data', (d: Buffer) => out.push(d));
            child.stderr.on('data', (d: Buffer) => out.push(d));
            child.on('close', (code) => {
              resolve({ stdout: Buffer.concat(out).toString(opts?.encoding ?? 'utf8'), code: code ?? 1 });
            });
            child.stdin.end(`{\n${body}\n} </dev/null\n`);
          });
        },
        async read(path, offset, maxBytes) {
          const fh = await fs.open(path, 'r');
          try {
            const buf = Buffer.alloc(maxBytes);
            const { bytesRead } = await fh.read(buf, 0, maxBytes, offset);
            return new Uint8Array(buf.subarray(0, bytesRead));
          } finally {
            await fh.close();
          }
        },
        close() {
          s.alive = false;
        },
        onClose(fn) {
          listeners.push(fn);
        },
        drop(err) {
          s.alive = false;
          for (const fn of listeners) fn(err);
        },
      };
      sessions.push(s);
      return s;
    },
  };
  return conn;
}
