// The remote shell rsync runs (`rsync -e …`): the system ssh with the same host settings the engine uses,
// bounded so a dead host cannot hang it, and multiplexed over one OpenSSH connection per host.
//
// Three layers parse what is built here, and each gets its own quoting:
//   1. rsync splits the -e string on spaces, honouring '…' and "…" (a doubled quote inside is literal);
//   2. ssh parses `-o Key=value` like an ssh_config line (whitespace splits, "…" groups);
//   3. ssh expands %-tokens in ControlPath, IdentityFile and UserKnownHostsFile (`%%` is a literal %).
// Pure: no I/O. The control socket's life (check, remove, exit) is in control-master.ts.

import { createHash } from 'node:crypto';
import path from 'node:path';
import type { HostConfig } from '../config';
import type { ResolvedHost } from '../ssh';

export interface SshCommandOptions {
  /** The Vigil config's sshConfig (ssh_config used for aliases); undefined → ssh's default. */
  sshConfig?: string;
  /** Control socket path; null → no connection sharing. */
  controlPath: string | null;
  /** How long the shared connection outlives its last user (seconds). */
  controlPersistSec?: number;
  /** The ssh program (default "ssh"). */
  ssh?: string;
}

export interface SshCommand {
  /** ssh and its options, without the destination (rsync appends the destination itself). */
  argv: string[];
  /** The destination rsync puts before `:path`: the alias, or the host name (IPv6 in brackets). */
  target: string;
  /** The destination as ssh itself takes it (for `ssh -O check`): no brackets. */
  sshTarget: string;
}

export const DEFAULT_CONTROL_PERSIST_SEC = 300;

/** Fields that make a Vigil host "spelled out" rather than a plain ~/.ssh/config alias. */
const SPELLED_OUT: (keyof HostConfig)[] = [
  'hostname',
  'port',
  'user',
  'identityFile',
  'knownHostsFile',
  'proxyJump',
];

/** True when the Vigil config names only an alias: then `ssh alias` reads the user's ssh_config itself. */
export function isAlias(host: Partial<HostConfig>): boolean {
  return SPELLED_OUT.every((k) => host[k] === undefined);
}

const secs = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** ssh expands %-tokens in these paths: a literal % must be doubled. */
const tokenSafe = (p: string) => p.replace(/%/g, '%%');

/** A value inside `-o Key=value`: ssh splits on whitespace unless the value is in double quotes. */
function optionValue(v: string): string {
  if (v.includes('"')) throw new Error(`cannot pass ${JSON.stringify(v)} to ssh: it contains a double quote`);
  return /[\s'\\#=]/.test(v) ? `"${v}"` : v;
}

/**
 * The ssh command for rsync's -e. An alias goes through `ssh [-F sshConfig] alias` (the user's ssh_config
 * applies, exactly as `ssh alias` in a terminal); a spelled-out host gets every setting on the command
 * line with `-F none`, so the resolved host (the same one the engine connects to) is the whole truth.
 */
export function buildSshCommand(
  host: ResolvedHost,
  hostCfg: Partial<HostConfig>,
  opts: SshCommandOptions,
): SshCommand {
  const argv = [opts.ssh ?? 'ssh'];
  const alias = isAlias(hostCfg);
  if (alias) {
    if (opts.sshConfig) argv.push('-F', opts.sshConfig);
  } else {
    argv.push('-F', 'none', '-p', String(host.port), '-l', host.user);
    for (const id of host.identityFiles) argv.push('-i', tokenSafe(id));
    if (host.knownHostsFiles.length > 0) {
      const files = host.knownHostsFiles.map((f) => optionValue(tokenSafe(f))).join(' ');
      argv.push('-o', `UserKnownHostsFile=${files}`);
    }
    argv.push('-o', 'StrictHostKeyChecking=yes');
    if (host.hostKeyAlias) argv.push('-o', `HostKeyAlias=${optionValue(host.hostKeyAlias)}`);
    if (host.proxyJump.length > 0) argv.push('-J', host.proxyJump.map(jumpSpec).join(','));
  }
  argv.push(
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${secs(host.connectTimeoutMs)}`,
    '-o',
    `ServerAliveInterval=${secs(host.keepaliveIntervalMs)}`,
    '-o',
    `ServerAliveCountMax=${Math.max(1, host.keepaliveCountMax)}`,
  );
  if (opts.controlPath) {
    argv.push(
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${optionValue(tokenSafe(opts.controlPath))}`,
      '-o',
      `ControlPersist=${opts.controlPersistSec ?? DEFAULT_CONTROL_PERSIST_SEC}s`,
    );
  }
  const sshTarget = alias ? host.name : host.hostname;
  const target = !alias && host.hostname.includes(':') ? `[${host.hostname}]` : sshTarget;
  return { argv, target, sshTarget };
}

function jumpSpec(h: ResolvedHost): string {
  const name = h.hostname.includes(':') ? `[${h.hostname}]` : h.hostname;
  return `${h.user}@${name}:${h.port}`;
}

/** One argument for rsync's -e parser: bare when safe, else single-quoted with '' for a quote. */
export function rshWord(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_./:,+@%=-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, "''")}'`;
}

/** The -e string rsync takes. */
export function rshString(argv: readonly string[]): string {
  return argv.map(rshWord).join(' ');
}

/**
 * sun_path holds 104 bytes on macOS (108 on Linux), NUL included, and ssh first binds `<path>.<16 random
 * chars>` before renaming it into place: the path itself must stay within 104 - 1 - 17 bytes.
 */
export const MAX_CONTROL_PATH = 86;

/**
 * A private, short control socket path per host: a hash of everything that makes the connection
 * different (the config file, the alias, where it goes and as whom), under Vigil's data folder, or under
 * /tmp/vigil-<uid> when the data folder's path is too long for a unix socket.
 */
export function controlPathFor(
  dataDir: string,
  host: ResolvedHost,
  sshConfig: string | undefined,
  uid: number | string = process.getuid?.() ?? 'user',
): string {
  const key = JSON.stringify([
    sshConfig ?? null,
    host.name,
    host.hostname,
    host.port,
    host.user,
    host.proxyJump.map(jumpSpec),
  ]);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const preferred = path.join(dataDir, 'ssh', hash);
  if (Buffer.byteLength(preferred) <= MAX_CONTROL_PATH) return preferred;
  return path.posix.join('/tmp', `vigil-${uid}`, hash);
}
