// `vigil serve`: the engine and the web UI on 127.0.0.1, for machines without a desktop. Runs until
// SIGINT/SIGTERM, then stops cleanly (connections closed, data folder released).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../engine/paths';
import { EngineService } from '../engine/service';
import { startServer } from '../headless/server';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STATIC_DIR = path.join(ROOT, 'out', 'renderer');

/** The built UI; built once here when a fresh checkout has not built it yet. */
function ensureRenderer(err: (s: string) => void): void {
  if (existsSync(path.join(STATIC_DIR, 'index.html'))) return;
  err('vigil serve: building the web UI once (a few seconds)…');
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
