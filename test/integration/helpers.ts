// Shared by the integration tests: write a Vigil config for a test sshd, run the real CLI.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Sshd } from '../support/sshd';

export const VIGIL_BIN = fileURLToPath(new URL('../../bin/vigil', import.meta.url));

export interface WorkerSpec {
  name: string;
  host?: string;
  dir: string;
  metrics: string | Record<string, unknown>;
  log?: string;
  process?: { pidFile: string } | { match: string };
  stallAfter?: string;
  totalEpochs?: number;
}

/** Host settings pointing at a test sshd through its ssh_config alias, with short bounds. */
export function hostFor(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { connectTimeout: '3s', keepaliveInterval: '1s', keepaliveCount: 2, ...extra };
}

export function writeConfig(
  sshd: Sshd,
  workers: WorkerSpec[],
  opts: { hosts?: Record<string, Record<string, unknown>>; poll?: string } = {},
): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-cfg-'));
  const file = path.join(dir, 'config.yaml');
  const doc = {
    sshConfig: sshd.sshConfigPath,
    poll: opts.poll ?? '300ms',
    hosts: opts.hosts ?? { [sshd.alias]: hostFor() },
    workers: workers.map((w) => ({ host: sshd.alias, ...w })),
  };
  writeFileSync(file, stringify(doc));
  return file;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runVigil(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [VIGIL_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 90_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - t0 });
      },
    );
  });
}

export function freshDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'vigil-data-'));
}

export async function until<T>(
  fn: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (ok(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
