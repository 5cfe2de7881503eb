// bin/vigil runs the bundled CLI: built by `npm install` (prepare) and here by the global setup, bundled
// again when the sources change, and with a clear message when an install has no bundle.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIGIL_BIN } from './helpers';

const ROOT = path.resolve(path.dirname(VIGIL_BIN), '..');

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A copy of the install: bin/, scripts/, package.json, node_modules linked; src linked when asked. */
function copyInstall(withSources: boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-install-'));
  cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  cpSync(path.join(ROOT, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  if (withSources) {
    mkdirSync(path.join(dir, 'src'));
    cpSync(path.join(ROOT, 'src', 'main'), path.join(dir, 'src', 'main'), { recursive: true });
    cpSync(path.join(ROOT, 'src', 'shared'), path.join(dir, 'src', 'shared'), { recursive: true });
  }
  return path.join(dir, 'bin', 'vigil');
}

describe('bin/vigil', () => {
  it('runs the bundle in out/cli, built before the tests', async () => {
    expect(existsSync(path.join(ROOT, 'out', 'cli', 'vigil.mjs'))).toBe(true);
    expect(readFileSync(VIGIL_BIN, 'utf8')).toContain('import(pathToFileURL(bundle).href)');
    const r = await run(VIGIL_BIN, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: vigil \[options\] \[command\]/);
    expect(r.stderr).toBe('');
  });

  it('in a checkout, bundles the CLI when it is missing or older than the sources, then runs it', async () => {
    const bin = copyInstall(true);
    const root = path.resolve(path.dirname(bin), '..');
    const first = await run(bin, ['--help']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('the CLI is not bundled yet; bundling it…');
    expect(existsSync(path.join(root, 'out', 'cli', 'vigil.mjs'))).toBe(true);
    const second = await run(bin, ['--help']);
    expect(second.stderr).toBe('');
    const later = Date.now() / 1000 + 5;
    utimesSync(path.join(root, 'src', 'main', 'cli', 'inspect.ts'), later, later);
    const third = await run(bin, ['--version']);
    expect(third.stderr).toContain('the sources changed since the CLI was bundled; bundling it again…');
    expect(third.code).toBe(0);
    // The bundle finds its package.json from out/cli, as the sources do from src/main/cli.
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(third.stdout).toBe(`${version}\n`);
  });

  it('an install without the bundle says how to build it, and exits 1', async () => {
    const r = await run(copyInstall(false), ['--help']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the CLI bundle .*out\/cli\/vigil\.mjs is missing\. Build it with `npm run build:cli`/,
    );
  });
});
