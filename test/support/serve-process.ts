// A real `vigil serve` process for integration tests and benchmarks: started with the given flags and
// environment, its address read from what it prints, its output kept (tests grep it for secrets).

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onExitCleanup } from './cleanup';

const BIN = fileURLToPath(new URL('../../bin/vigil', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  /** What it printed: stdout and stderr, interleaved. */
  output(): string;
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash or the OOM killer would. */
  kill9(): Promise<void>;
}

export async function startServeProcess(args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const unregister = onExitCleanup(() => child.kill('SIGKILL'));
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      unregister();
      resolve(code);
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`vigil serve printed no address in 90 s:\n${output}`)),
      90_000,
    );
    child.stdout!.on('data', (d) => {
      output += d;
      const m = output.match(/Open http:\/\/[^:\s]+:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    port,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
