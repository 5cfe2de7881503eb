// `vigil serve`: the engine and the web UI on 127.0.0.1, for machines without a desktop. Runs until
// SIGINT/SIGTERM, then stops cleanly (connections closed, data folder released) within a bound.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../engine/files';
import { EngineService } from '../engine/fleet';
import { type HeadlessServer, startServer } from '../headless/server';

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

/** Whether the built UI is missing or older than its sources (a packaged install has no sources). */
function rendererStale(): boolean {
  const index = path.join(STATIC_DIR, 'index.html');
  const sources = path.join(ROOT, 'src');
  if (!existsSync(index)) return true;
  if (!existsSync(sources)) return false;
  const built = statSync(index).mtimeMs;
  return (
    newestMtime(path.join(sources, 'renderer')) > built || newestMtime(path.join(sources, 'shared')) > built
  );
}

/** Builds the UI in a child process that a stop can end (a synchronous build would hold off SIGTERM). */
function buildRenderer(err: (s: string) => void, stop: Promise<unknown>): Promise<void> {
  err('vigil serve: building the web UI (a few seconds)…');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    void stop.then(() => child.kill('SIGTERM'));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`building the web UI failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

export interface ServeDeps {
  /** Resolves with the signal's name when the process is asked to stop (SIGINT, SIGTERM). */
  stopSignal?: Promise<string>;
  /** Ends the process when a stop does not finish in time, or at a second signal. */
  forceExit?: (code: number) => void;
  /** How long a stop may take before the process is ended anyway. */
  stopTimeoutMs?: number;
}

/**
 * The port first: a port that is taken ends `serve` at once, before anything is built, connected or
 * locked. Then the UI build, the engine. One SIGINT/SIGTERM ends it in any phase: the stop is given a few
 * seconds (a frozen host must not hold it), and a second signal ends the process at once.
 */
export async function runServe(
  opts: { configPath: string; port?: number },
  out: (s: string) => void,
  err: (s: string) => void,
  deps: ServeDeps = {},
): Promise<number> {
  const signals = deps.stopSignal ? null : watchSignals();
  const stopSignal = deps.stopSignal ?? signals!.first;
  const forceExit = deps.forceExit ?? ((code: number) => process.exit(code));
  const engine = new EngineService({ configPath: opts.configPath, dataDir: defaultDataDir() });
  let server: HeadlessServer;
  try {
    server = await startServer({
      backend: engine.backend(),
      port: opts.port,
      staticDir: STATIC_DIR,
      statusJson: () => engine.statusJson(),
    });
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const why =
      error.code === 'EADDRINUSE'
        ? 'the port is in use (pick another with --port, or omit it)'
        : error.message;
    err(`vigil serve: cannot listen on 127.0.0.1:${opts.port ?? 0}: ${why}`);
    signals?.dispose();
    return 1;
  }

  let code = 0;
  const stopped = stopSignal.then((signal) => ({ signal }));
  const starting = (async () => {
    if (rendererStale()) await buildRenderer(err, stopSignal);
    await engine.start();
  })();
  const first = await Promise.race([starting.then(() => null), stopped]).catch((e: Error) => e);
  if (first instanceof Error) {
    err(`vigil serve: ${first.message}`);
    code = 1;
  } else {
    if (first === null) {
      out(`Vigil is watching. Open ${server.url}`);
      out('(only this computer can connect; the token in the address is the key — press Ctrl+C to stop)');
    }
    const { signal } = first ?? (await stopped);
    err(`vigil serve: ${signal}, stopping…`);
  }

  // However it stopped, within a bound: a second signal, or a stop that hangs, ends the process.
  const deadline = setTimeout(() => {
    err('vigil serve: did not stop in time; exiting');
    forceExit(code || 1);
  }, deps.stopTimeoutMs ?? 5000);
  deadline.unref();
  void signals?.second.then(() => forceExit(code || 130));
  await starting.catch(() => undefined); // an engine half started is stopped like a started one
  await Promise.allSettled([server.close(), engine.stop()]);
  clearTimeout(deadline);
  signals?.dispose();
  // Stopped: a connection attempt still winding down in the background (to a host that never answered)
  // must not keep the process alive. The timer does not hold the process itself.
  setTimeout(() => forceExit(code), 2000).unref();
  return code;
}

/** The first and the second SIGINT/SIGTERM, as promises. */
function watchSignals(): { first: Promise<string>; second: Promise<string>; dispose(): void } {
  let count = 0;
  let resolveFirst: (s: string) => void = () => {};
  let resolveSecond: (s: string) => void = () => {};
  const first = new Promise<string>((r) => {
    resolveFirst = r;
  });
  const second = new Promise<string>((r) => {
    resolveSecond = r;
  });
  const on = (s: string) => {
    count++;
    if (count === 1) resolveFirst(s);
    else resolveSecond(s);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    first,
    second,
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}
