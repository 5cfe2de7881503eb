// The real command port: argv run without a shell, the alert as JSON on stdin, killed at the deadline.

import { spawn } from 'node:child_process';
import type { CommandPort, CommandResult } from './types';

const STDERR_KEPT = 2048;

export const spawnCommand: CommandPort = (argv, stdin, timeoutMs) =>
  new Promise<CommandResult>((resolve, reject) => {
    const [program, ...args] = argv;
    const child = spawn(program!, args, { stdio: ['pipe', 'ignore', 'pipe'], shell: false });
    let stderr = '';
    let started = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('spawn', () => {
      started = true;
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_KEPT);
    });
    child.stdin!.on('error', () => {
      // A command that exits without reading its stdin is judged by its exit code, not EPIPE.
    });
    child.stdin!.end(stdin);
    child.once('error', (err) => {
      clearTimeout(timer);
      if (!started) reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
