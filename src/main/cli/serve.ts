// `vigil serve`: the engine, the web UI and /metrics on 127.0.0.1 (elsewhere only with --listen), for
// machines without a desktop and for the always-on machine that relays alerts while the laptop sleeps.
// Runs until SIGINT/SIGTERM, then stops cleanly (connections closed, outbox closed, data folder released).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultDataDir } from '../engine/files';
import { EngineService, prometheusText } from '../engine/fleet';
import { isLoopback, startServer } from '../headless/server';
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

export interface ServeOptions {
  configPath: string;
  port?: number;
  /** --listen ADDR: bind there instead of 127.0.0.1. */
  listen?: string;
  /** --token-file FILE: the token kept in a file (made if missing) instead of a fresh one per start. */
  tokenFile?: string;
}

export async function runServe(
  opts: ServeOptions,
  out: (s: string) => void,
  err: (s: string) => void,
  stopSignal: Promise<string> = waitForSignal(),
): Promise<number> {
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
  ensureRenderer(err);
  const engine = new EngineService({
    configPath: opts.configPath,
    dataDir: defaultDataDir(),
    relay: { log: (line) => err(`vigil serve: ${line}`) },
  });
  await engine.start();
  const server = await startServer({
    backend: engine.backend(),
    port,
    host,
    token,
    staticDir: STATIC_DIR,
    statusJson: () => engine.statusJson(),
    metrics: () => prometheusText(engine.snapshot()),
  });
  // A token kept in a file is not printed: a service's output ends up in its journal.
  const url = opts.tokenFile ? server.url.replace(/\?token=.*$/, '?token=…') : server.url;
  out(`Vigil is watching. Open ${url}`);
  if (opts.tokenFile)
    out(`(the token is the content of ${opts.tokenFile}; /metrics takes it as a Bearer token)`);
  if (isLoopback(server.host))
    out('(only this computer can connect; the token in the address is the key — press Ctrl+C to stop)');
  else
    out(
      `(listening on ${server.host}:${server.port}: whoever reaches this port still needs the token, which plain HTTP carries unencrypted — use a trusted network, a VPN or a TLS proxy; Ctrl+C stops)`,
    );
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
