// `vigil init`'s SSH adapter: resolves a host the way `vigil doctor` and the engine do (ssh -G, known_hosts
// verified by the engine's connector), runs the discovery script, and reads the tails of the few files
// whose content decides something (does this log hold progress lines; what total does this file state).

import { posix } from 'node:path';
import type { HostConfig, VigilConfig } from '../engine/config';
import { resolveHost } from '../engine/config';
import { inspectBytes } from '../engine/parse';
import { createSsh2Connector, remotePath, SshError, type SshSession, shQuote } from '../engine/ssh';
import {
  type ContentFacts,
  classify,
  type Discovery,
  discoveryScript,
  filesToRead,
  logEpochs,
  parseDiscovery,
  trainerStateEpochs,
} from './init-discover';

/** A failure the user can act on: what went wrong and what to do. */
export class InitError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'InitError';
  }
}

/** The host as the written config will have it (an alias, nothing spelled out), with the default bounds. */
export function hostConfigFor(alias: string): HostConfig {
  return { name: alias, connectTimeoutMs: 15_000, keepaliveIntervalMs: 10_000, keepaliveCountMax: 3 };
}

export async function connectHost(alias: string, sshConfig: string | undefined): Promise<SshSession> {
  const cfg: VigilConfig = {
    file: '(vigil init)',
    ...(sshConfig ? { sshConfig } : {}),
    pollMs: 1000,
    repeatAlertsMs: 3_600_000,
    notify: [],
    hosts: { [alias]: hostConfigFor(alias) },
    workers: [],
  };
  let resolved: Awaited<ReturnType<typeof resolveHost>>;
  try {
    resolved = await resolveHost(cfg, alias);
  } catch (e) {
    throw new InitError((e as Error).message, 'check the name against the Host entries of your ssh config');
  }
  try {
    return await createSsh2Connector().connect(resolved);
  } catch (e) {
    const err = e instanceof SshError ? e : new SshError('tcp', (e as Error).message);
    throw new InitError(
      `cannot connect to ${alias} (${resolved.user}@${resolved.hostname}:${resolved.port}): ${err.message}`,
      err.fix ?? `check that \`ssh ${alias}\` works in a terminal, then run vigil init again`,
    );
  }
}

/** Bytes of each file's end that are read: enough for a log's last progress lines and HF's closing keys. */
const TAIL_BYTES = 64 << 10;
/** At most this many files are read for their content (the listing itself is bounded too). */
const MAX_READS = 40;

async function tail(session: SshSession, f: { path: string; size: number }): Promise<string> {
  const from = Math.max(0, f.size - TAIL_BYTES);
  const bytes = await session.read(f.path, from, Math.min(f.size, TAIL_BYTES));
  const text = new TextDecoder().decode(bytes);
  // A read from the middle starts mid-line: drop the partial first line.
  return from > 0 ? text.slice(text.indexOf('\n') + 1) : text;
}

export interface Walked {
  root: string;
  found: Discovery;
  facts: ContentFacts;
}

/** Walks DIR (bounded) on the host and reads the content facts the ranking needs. */
export async function walkRemote(session: SshSession, dir: string): Promise<Walked> {
  let root: string;
  try {
    root = remotePath(dir, session.home);
  } catch (e) {
    throw new InitError((e as Error).message);
  }
  const exists = await session.run(`if [ -d ${shQuote(root)} ]; then echo yes; else echo no; fi`);
  if (exists.stdout.trim() !== 'yes')
    throw new InitError(
      `${root} is not a folder on the host`,
      'give the folder your runs write to: HOST:DIR',
    );
  const listing = await session.run(discoveryScript(root), { timeoutMs: 60_000 });
  const found = parseDiscovery(listing.stdout);
  const facts: ContentFacts = { progressLogs: new Map(), totalEpochs: new Map() };
  const toRead = filesToRead(found)
    .sort((a, b) => b.mtimeSec - a.mtimeSec)
    .slice(0, MAX_READS);
  for (const f of toRead) {
    const text = await tail(session, f).catch(() => null);
    if (text === null) continue; // unreadable: not proposed on its content
    const kind = classify(f.path);
    if (kind === 'log') {
      const bytes = new TextEncoder().encode(text);
      const name = posix.basename(f.path);
      if (inspectBytes(name, bytes).records > 0) facts.progressLogs.set(f.path, null);
      else if (inspectBytes(name, bytes, { format: 'text' }).records > 0)
        facts.progressLogs.set(f.path, 'text');
      const total = logEpochs(text);
      if (total !== undefined) facts.totalEpochs.set(f.path, total);
    } else {
      const total = trainerStateEpochs(text);
      if (total !== undefined) facts.totalEpochs.set(f.path, total);
    }
  }
  return { root, found, facts };
}
