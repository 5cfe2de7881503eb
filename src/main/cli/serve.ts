// `vigil serve`: the engine, the web UI and /metrics on 127.0.0.1 (elsewhere only with --listen), for
// machines without a desktop and for the always-on machine that relays alerts while the laptop sleeps.
// Runs until SIGINT/SIGTERM, then stops cleanly (connections closed, outbox closed, data folder
// released) within a bound.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultDataDir } from '../engine/files';
import { EngineService, prometheusText } from '../engine/fleet';
import { type HeadlessServer, isLoopback, startServer } from '../headless/server';
import { appRoot } from './app-root';
import { parseListen, tokenFromFile, UsageError } from './listen';

const ROOT = appRoot(); // the sources' or the bundled CLI's install folder
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

export interface ServeOptions {
  configPath: string;
  port?: number;
  /** --listen ADDR: bind there instead of 127.0.0.1. */
  listen?: string;
  /** --token-file FILE: the token kept in a file (made if missing) instead of a fresh one per start. */
  tokenFile?: string;
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
  opts: ServeOptions,
  out: (s: string) => void,
  err: (s: string) => void,
  deps: ServeDeps = {},
): Promise<number> {
  // Usage first: a bad --listen or --token-file ends it before anything is bound or connected.
  let host: string | undefined;
  let port = opts.port;
  let token: string | undefined;
  try {
    if (opts.listen !== undefined) {
      const listen = parseListen(opts.listen);
      if (listen.port !== undefined && opts.port !== undefined)
        throw new UsageError('give the port either in --listen HOST:PORT or with --port, not both');
      host = listen.host;
      port = listen.port ?? port;
    }
    if (opts.tokenFile !== undefined) token = tokenFromFile(opts.tokenFile, err);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`vigil serve: ${e.message}`);
    return 2;
  }

  const signals = deps.stopSignal ? null : watchSignals();
  const stopSignal = deps.stopSignal ?? signals!.first;
  const forceExit = deps.forceExit ?? ((code: number) => process.exit(code));
  const engine = new EngineService({
    configPath: opts.configPath,
    dataDir: defaultDataDir(),
    relay: { log: (line) => err(`vigil serve: ${line}`) },
  });
  let server: HeadlessServer;
  try {
    server = await startServer({
      backend: engine.backend(),
      port,
      host,
      token,
      staticDir: STATIC_DIR,
      statusJson: () => engine.statusJson(),
      metrics: () => prometheusText(engine.snapshot()),
      configError: () => engine.snapshot().configError ?? null,
    });
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const why =
      error.code === 'EADDRINUSE'
        ? 'the port is in use (pick another with --port, or omit it)'
        : error.message;
    err(`vigil serve: cannot listen on ${host ?? '127.0.0.1'}:${port ?? 0}: ${why}`);
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
    if (first === null) announce(server, opts.tokenFile, out);
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

/** Where to connect, and who can. A token kept in a file is not printed: a service's output ends up in its journal. */
function announce(server: HeadlessServer, tokenFile: string | undefined, out: (s: string) => void): void {
  const url = tokenFile ? server.url.replace(/\?token=.*$/, '?token=…') : server.url;
  out(`Vigil is watching. Open ${url}`);
  if (tokenFile) out(`(the token is the content of ${tokenFile}; /metrics takes it as a Bearer token)`);
  if (isLoopback(server.host))
    out('(only this computer can connect; the token in the address is the key — press Ctrl+C to stop)');
  else
    out(
      `(listening on ${server.host}:${server.port}: whoever reaches this port still needs the token, which plain HTTP carries unencrypted — use a trusted network, a VPN or a TLS proxy; Ctrl+C stops)`,
    );
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
