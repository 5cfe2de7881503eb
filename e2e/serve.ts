// Starts the real `vigil serve` for an e2e test and hands back its URL; stops it with SIGTERM.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/vigil', import.meta.url));

export interface Served {
  url: string;
  child: ChildProcess;
  /** What `vigil serve` has printed on stderr so far. */
  stderr(): string;
  stop(): Promise<number | null>;
}

export async function startServe(
  configPath: string,
  opts: { dataDir?: string; args?: string[] } = {},
): Promise<Served> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-data-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configPath, ...(opts.args ?? [])], {
    env: { ...process.env, VIGIL_DATA: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`vigil serve printed no URL in 60 s; stderr: ${stderr}`)),
      60_000,
    );
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`vigil serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
