// `vigil serve`: the engine and the web UI on 127.0.0.1, for machines without a desktop. Runs until
// SIGINT/SIGTERM, then stops cleanly (connections closed, data folder released).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../engine/files';
import { EngineService } from '../engine/fleet';
import { startServer } from '../headless/server';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STATIC_DIR = path.join(ROOT, 'out', 'renderer');

/** Newest modification time under a folder (the UI's sources are a few dozen files). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The built UI, (re)built here when a checkout has not built it yet or its sources changed since. */
function ensureRenderer(err: (s: string) => void): void {
  const index = path.join(STATIC_DIR, 'index.html');
  const sources = path.join(ROOT, 'src');
  if (existsSync(index)) {
    // A packaged install has no sources: what was built is what there is.
    if (!existsSync(sources)) return;
    const built = statSync(index).mtimeMs;
    if (
      newestMtime(path.join(sources, 'renderer')) <= built &&
      newestMtime(path.join(sources, 'shared')) <= built
    )
      return;
  }
  err('vigil serve: building the web UI (a few seconds)…');
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

export async function runServe(
  opts: { configPath: string; port?: number },
  out: (s: string) => void,
  err: (s: string) => void,
  stopSignal: Promise<string> = waitForSignal(),
): Promise<number> {
  ensureRenderer(err);
  const engine = new EngineService({ configPath: opts.configPath, dataDir: defaultDataDir() });
  await engine.start();
  const server = await startServer({
    backend: engine.backend(),
    port: opts.port,
    staticDir: STATIC_DIR,
    statusJson: () => engine.statusJson(),
    configError: () => engine.snapshot().configError ?? null,
  });
  out(`Vigil is watching. Open ${server.url}`);
  out('(only this computer can connect; the token in the address is the key — press Ctrl+C to stop)');
  const signal = await stopSignal;
  err(`vigil serve: ${signal}, stopping…`);
  await server.close();
  await engine.stop();
  return 0;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (s: string) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(s);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
