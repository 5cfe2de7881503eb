// Turns a Vigil host into everything needed to connect, the way the user's own `ssh <alias>` would:
// the system client evaluates ~/.ssh/config (Host/Match blocks, Include, defaults) and prints the result
// with `ssh -G`. Fields spelled out in the Vigil config override it.

import { execFile as nodeExecFile } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { homedir, userInfo } from 'node:os';
import type { ResolvedHost } from '../ssh';
import { locateTool } from './locate-tool';
import { expandSshPath, type JumpSpec, parseProxyJump, parseSshG, type SshG } from './ssh-g';
import { hostLineMatches, plainHostNames, type SshHostsDeps, sshHostLines } from './ssh-hosts';
import { didYouMean } from './suggest';
import type { HostConfig, VigilConfig } from './types';

export type ExecFileFn = (
  file: string,
  args: readonly string[],
  options: { timeout: number },
) => Promise<{ stdout: string; stderr: string }>;

export interface ResolveHostDeps {
  /** Runs a program without a shell; rejects like child_process.execFile (code 'ENOENT' when missing). */
  execFile?: ExecFileFn;
  /** The OpenSSH client to run (default: found without trusting PATH, see locate-tool.ts). */
  ssh?: string;
  home?: string;
  localUser?: string;
  /** Looks a name up as a machine would (default: the system resolver); rejects when there is none. */
  lookup?: (host: string) => Promise<unknown>;
  /** Reads the ssh config files (to tell an alias with no Host entry). */
  files?: SshHostsDeps;
}

const SSH_G_TIMEOUT_MS = 5_000;
/** More hops than this is a ProxyJump loop in ssh_config, not a network. */
const MAX_HOPS = 8;

export const defaultExecFile: ExecFileFn = (file, args, options) =>
  new Promise((resolve, reject) => {
    nodeExecFile(file, args, { ...options, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });

interface Context {
  lookup: (host: string) => Promise<unknown>;
  files: SshHostsDeps;
  run: ExecFileFn;
  ssh: string;
  sshConfig: string | undefined;
  home: string;
  localUser: string;
  bounds: Pick<ResolvedHost, 'connectTimeoutMs' | 'keepaliveIntervalMs' | 'keepaliveCountMax'>;
}

/** Spelled-out settings for one hop: the Vigil host's fields, or a ProxyJump spec's user and port. */
/** 'host': a Vigil host; 'hop': a ProxyJump hop, written out as [user@]host[:port]. */
type Kind = 'host' | 'hop';

type Overrides = Pick<
  HostConfig,
  'hostname' | 'port' | 'user' | 'identityFile' | 'knownHostsFile' | 'proxyJump'
>;

export async function resolveHost(
  cfg: VigilConfig,
  hostName: string,
  deps: ResolveHostDeps = {},
): Promise<ResolvedHost> {
  const host = cfg.hosts[hostName];
  if (!host) {
    throw new Error(`unknown host "${hostName}" (defined: ${Object.keys(cfg.hosts).join(', ') || 'none'})`);
  }
  const ctx: Context = {
    lookup: deps.lookup ?? ((h) => dns.lookup(h)),
    files: deps.files ?? {},
    run: deps.execFile ?? defaultExecFile,
    ssh: deps.ssh ?? locateTool('ssh') ?? 'ssh',
    sshConfig: cfg.sshConfig,
    home: deps.home ?? homedir(),
    localUser: deps.localUser ?? localUsername(),
    // Jump hosts get the same bounds: a hop that hangs stalls the connection just the same.
    bounds: {
      connectTimeoutMs: host.connectTimeoutMs,
      keepaliveIntervalMs: host.keepaliveIntervalMs,
      keepaliveCountMax: host.keepaliveCountMax,
    },
  };
  return resolveWithJumps(ctx, hostName, host, 'host', [hostName]);
}

/** Resolves a host and flattens its ProxyJump chain into proxyJump, outermost first. */
async function resolveWithJumps(
  ctx: Context,
  name: string,
  over: Overrides,
  kind: Kind,
  seen: string[],
): Promise<ResolvedHost> {
  const { host, jump } = await resolveOne(ctx, name, over, kind);
  const hops = jump ? parseProxyJump(jump) : [];
  const chain: ResolvedHost[] = [];
  for (const [i, spec] of hops.entries()) {
    if (seen.includes(spec.host) || seen.length + chain.length >= MAX_HOPS) {
      throw new Error(
        `ProxyJump loop for "${seen[0]}": ${[...seen, spec.host].join(' → ')}; check your ssh config`,
      );
    }
    // ssh runs the chain as `ssh -J <earlier hops> -W … <hop>`: only the first hop's own ProxyJump from
    // ssh_config applies; the later hops' are overridden by the chain itself.
    if (i === 0) {
      const first = await resolveWithJumps(ctx, spec.host, specOverrides(spec), 'hop', [...seen, spec.host]);
      chain.push(...first.proxyJump, { ...first, proxyJump: [] });
    } else {
      chain.push((await resolveOne(ctx, spec.host, specOverrides(spec), 'hop')).host);
    }
  }
  return { ...host, proxyJump: chain };
}

const specOverrides = (spec: JumpSpec): Overrides => ({ user: spec.user, port: spec.port });

/** One host without its jumps, plus the ProxyJump value that applies to it (or null). */
async function resolveOne(
  ctx: Context,
  name: string,
  over: Overrides,
  kind: Kind,
): Promise<{ host: ResolvedHost; jump: string | null }> {
  const asked = await sshG(ctx, name);
  const g = asked ?? fallback(name, over, kind);
  const hostname = over.hostname ?? g.hostname ?? name;
  if (asked && kind === 'host' && hostname === name && !(over.proxyJump ?? g.proxyJump)) {
    await checkAliasExists(ctx, name);
  }
  const user = over.user ?? g.user ?? ctx.localUser;
  const port = over.port ?? g.port ?? 22;
  const tokens = { home: ctx.home, localUser: ctx.localUser, hostname, remoteUser: user, port, alias: name };
  const expand = (paths: string[]) => paths.map((p) => expandSshPath(p, tokens));
  return {
    host: {
      name,
      hostname,
      port,
      user,
      identityFiles: expand(over.identityFile ? [over.identityFile] : g.identityFiles),
      knownHostsFiles: expand(over.knownHostsFile ? [over.knownHostsFile] : g.knownHostsFiles),
      hostKeyAlias: g.hostKeyAlias,
      proxyJump: [],
      ...ctx.bounds,
    },
    jump: over.proxyJump ?? g.proxyJump,
  };
}

/** How long looking a name up may take before Vigil stops waiting (and lets the connection say). */
const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * `ssh -G` resolves a name with no Host entry to itself. That is right for a real machine name, and a typo
 * otherwise: when no Host entry names it and no machine answers to it, say so — which ssh config was read,
 * and the nearest alias in it — instead of "unreachable: ENOTFOUND" at every poll.
 */
async function checkAliasExists(ctx: Context, name: string): Promise<void> {
  const file = ctx.sshConfig ?? `${ctx.home}/.ssh/config`;
  const lines = await sshHostLines(file, ctx.home, ctx.files);
  if (lines.some((patterns) => !patterns.every((p) => p === '*') && hostLineMatches(patterns, name))) return;
  const found = await Promise.race([
    ctx.lookup(name).then(
      () => true,
      (e: NodeJS.ErrnoException) => e.code !== 'ENOTFOUND' && e.code !== 'EAI_NONAME',
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), LOOKUP_TIMEOUT_MS).unref()),
  ]);
  if (found) return;
  const names = plainHostNames(lines);
  const near = didYouMean(name, names);
  const hint = near
    ? ` Did you mean "${near}"?`
    : names.length > 0
      ? ` Its hosts: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}.`
      : '';
  throw new Error(
    `host "${name}" has no Host entry in ${file} (ssh resolves it to itself, and no machine has that name).${hint}`,
  );
}

/** `ssh -G` for the alias; null when no OpenSSH client is installed. */
async function sshG(ctx: Context, alias: string): Promise<SshG | null> {
  // "--" ends options: whatever the name, ssh reads it as a host, never as a flag.
  const args = [...(ctx.sshConfig ? ['-F', ctx.sshConfig] : []), '-G', '--', alias];
  try {
    const { stdout } = await ctx.run(ctx.ssh, args, { timeout: SSH_G_TIMEOUT_MS });
    return parseSshG(stdout);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (e.code === 'ENOENT') return null;
    if (e.killed) {
      throw new Error(
        `\`${ctx.ssh} -G ${alias}\` did not finish within ${SSH_G_TIMEOUT_MS / 1000} s (a "Match exec" in your ssh config?)`,
      );
    }
    const detail = (e.stderr ?? '').trim() || e.message;
    throw new Error(
      `\`${ctx.ssh} ${args.join(' ')}\` failed, so host "${alias}" cannot be resolved: ${detail}`,
    );
  }
}

/**
 * Without an OpenSSH client nobody can read ~/.ssh/config, so only a spelled-out host can be used, with
 * the defaults ssh itself would apply. A ProxyJump hop is then taken literally as a host name.
 */
function fallback(name: string, over: Overrides, kind: Kind): SshG {
  if (kind === 'host' && !over.hostname) {
    throw new Error(
      `cannot resolve host "${name}": it is an alias from ~/.ssh/config, and reading that needs the OpenSSH client ` +
        '("ssh"), which is not installed. Install it (Debian/Ubuntu: sudo apt-get install openssh-client; ' +
        'Fedora: sudo dnf install openssh-clients; macOS and Windows 10+ ship it), or spell the host out in the ' +
        `Vigil config: hosts: { ${name}: { hostname: …, user: …, identityFile: ~/.ssh/… } }`,
    );
  }
  return {
    identityFiles: ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'],
    knownHostsFiles: ['~/.ssh/known_hosts'],
    hostKeyAlias: null,
    proxyJump: null,
  };
}

function localUsername(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): ssh would fail the same way; the env is the best guess.
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}
