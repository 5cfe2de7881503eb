// A real Prometheus (Debian's package) on a free loopback port, with its own config and storage, for
// the integration test: scrapes `vigil serve`, evaluates the repo's rules, answers its HTTP API.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onExitCleanup } from './cleanup';
import { freePort } from './free-port';

export interface Prometheus {
  url: string;
  child: ChildProcess;
  log(): string;
  /** An instant query: the result vector (`[{ metric, value: [t, "v"] }]`). */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  get(pathAndQuery: string): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startPrometheus(config: string): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-prom-'));
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const unregister = onExitCleanup(() => child.kill('SIGKILL'));
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      unregister();
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const get = async (p: string) => {
    const res = await fetch(`${url}${p}`);
    return res.json();
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`prometheus did not become ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    log: () => log,
    get,
    async query(q) {
      const body = (await get(`/api/v1/query?query=${encodeURIComponent(q)}`)) as {
        status: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query ${q}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
