#!/usr/bin/env node
// `npm start`: build the three bundles, then launch the menubar app with the local Electron.
// The Electron binary cannot be downloaded on every machine. Where it is missing this says so in
// one line, how to download it, and points to the web UI instead. It deliberately does not
// `require('electron')`: electron's index.js throws (or, in newer versions, downloads) when the binary is
// missing.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The Electron executable, or null when it is not installed (same lookup as electron/index.js). */
export function findElectronBinary(env = process.env) {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const full = join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return existsSync(full) ? full : null;
  }
  if (!relative) return null;
  const full = join(pkgDir, 'dist', relative);
  return existsSync(full) ? full : null;
}

function main() {
  const viteBin = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const build = spawnSync(process.execPath, [viteBin, 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);

  const electron = findElectronBinary();
  if (!electron) {
    console.error(
      'vigil: the Electron binary is not installed here, so the menubar app cannot start. `npm install` does not download it (dependencies run no install scripts): run `node node_modules/electron/install.js` once, or `npx vigil serve` for the same UI in your browser.',
    );
    process.exit(1);
  }
  const child = spawn(electron, ['.'], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
