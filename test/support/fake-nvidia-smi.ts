// The nvidia-smi stand-in (fake-nvidia-smi/nvidia-smi) copied into a folder of its own, so that each
// test sets its mode and answers without touching another's: put `dir` first on the host's PATH.

import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type FakeSmiMode = 'ok' | 'hang' | 'fail' | 'garbage';

export interface FakeSmi {
  dir: string;
  setMode(mode: FakeSmiMode): void;
  /** The device lines (as nvidia-smi prints them); undefined restores the two default A10Gs. */
  setGpus(lines: string[]): void;
  setApps(lines: string[]): void;
  /** The arguments of every call so far. */
  calls(): string[];
}

const SOURCE = path.join(path.dirname(new URL(import.meta.url).pathname), 'fake-nvidia-smi', 'nvidia-smi');

export function fakeNvidiaSmi(dir: string): FakeSmi {
  mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, 'nvidia-smi');
  copyFileSync(SOURCE, bin);
  chmodSync(bin, 0o755);
  const put = (name: string, lines: string[]) =>
    writeFileSync(path.join(dir, name), lines.map((l) => `${l}\n`).join(''));
  return {
    dir,
    setMode: (mode) => writeFileSync(path.join(dir, 'mode'), `${mode}\n`),
    setGpus: (lines) => put('gpus.csv', lines),
    setApps: (lines) => put('apps.csv', lines),
    calls: () => {
      const file = path.join(dir, 'calls');
      return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
    },
  };
}
