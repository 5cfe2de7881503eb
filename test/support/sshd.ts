// A real OpenSSH sshd for integration tests: its own temp dir, host key, client key, authorized_keys,
// known_hosts and ssh_config alias, on a free loopback port, started and stopped by PID. Faults are
// real signals on real processes (SIGSTOP a session, kill the listener, swap the host key).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onExitCleanup } from './cleanup';
import { canConnect, freePort } from './free-port';
import { descendantsOf, isAlive, signalAll, sleep, terminate } from './proc';

const execFileP = promisify(execFile);

const SSHD = '/usr/sbin/sshd';
const START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 10_000;
const LOG_LIMIT_CHARS = 256 * 1024;

export interface SshdOptions {
  maxSessions?: number;
  hashKnownHosts?: boolean;
  /** Extra sshd_config lines, appended after the defaults. */
  extraConfig?: string[];
}

export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  /** ssh_config Host alias (unique per instance), defined in sshConfigPath. */
  readonly alias: string;
  readonly dir: string;
  readonly hostKeyPath: string;
  readonly clientKeyPath: string;
  readonly clientPubKeyPath: string;
  readonly knownHostsPath: string;
  readonly sshConfigPath: string;
  /** PID of the current listener (changes on restart). */
  readonly pid: number;
  /** sshd's stderr (LogLevel VERBOSE), last 256 KiB, across restarts. */
  log(): string;
  /** Every descendant of the listener: pre-auth children, session sshd, shells, commands. */
  sessionPids(): number[];
  /** SIGSTOPs every current session process; returns the PIDs frozen. */
  freezeSessions(): number[];
  /** SIGCONTs the processes frozen by freezeSessions(). */
  thawSessions(): void;
  freezeListener(): void;
  thawListener(): void;
  /** SIGKILLs every session process; the listener keeps accepting. */
  killSessions(): void;
  /** Kills the listener and its sessions (like a crashed sshd), leaving it down until restart(). */
  kill(): Promise<void>;
  /** Kills the listener and its sessions, then starts again on the same port with the same keys. */
  restart(): Promise<void>;
  /** New host key, restart on the same port. known_hosts is NOT updated: clients see a changed key. */
  regenerateHostKey(): Promise<void>;
  /** SIGTERM (SIGKILL after 2 s) to the listener and its descendants, then removes the dir. */
  stop(): Promise<void>;
}

/** Arguments for the system ssh client: `spawn('ssh', [...sshArgs(sshd), 'echo hi'])`. */
export function sshArgs(sshd: Pick<Sshd, 'sshConfigPath' | 'alias'>): string[] {
  return ['-F', sshd.sshConfigPath, sshd.alias];
}

async function keygen(path: string): Promise<void> {
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vigil-test', '-f', path]);
}

async function readPub(path: string): Promise<string> {
  // "ssh-ed25519 AAAA… comment" → keep type and key; the comment is noise in known_hosts.
  return (await readFile(path, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
}

class LogRing {
  private text = '';
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > LOG_LIMIT_CHARS) this.text = this.text.slice(-LOG_LIMIT_CHARS);
  }
  toString(): string {
    return this.text;
  }
}

class SshdInstance implements Sshd {
  readonly host = '127.0.0.1' as const;
  readonly user = userInfo().username;
  readonly hostKeyPath: string;
  readonly clientKeyPath: string;
  readonly clientPubKeyPath: string;
  readonly knownHostsPath: string;
  readonly sshConfigPath: string;
  private readonly configPath: string;
  private readonly authorizedKeysPath: string;
  private readonly ring = new LogRing();
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private frozen: number[] = [];
  private portValue = 0;
  private stopped = false;
  private readonly unregister: () => void;

  constructor(
    readonly dir: string,
    private readonly opts: SshdOptions,
  ) {
    this.hostKeyPath = join(dir, 'ssh_host_ed25519_key');
    this.clientKeyPath = join(dir, 'id_ed25519');
    this.clientPubKeyPath = `${this.clientKeyPath}.pub`;
    this.knownHostsPath = join(dir, 'known_hosts');
    this.sshConfigPath = join(dir, 'ssh_config');
    this.configPath = join(dir, 'sshd_config');
    this.authorizedKeysPath = join(dir, 'authorized_keys');
    this.unregister = onExitCleanup(() => {
      const pid = this.child?.pid;
      if (pid !== undefined) signalAll([pid, ...descendantsOf(pid)], 'SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  get port(): number {
    return this.portValue;
  }
  get alias(): string {
    return `vigil-test-${this.portValue}`;
  }
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  log(): string {
    return this.ring.toString();
  }

  sessionPids(): number[] {
    const pid = this.child?.pid;
    return pid === undefined || !isAlive(pid) ? [] : descendantsOf(pid);
  }

  freezeSessions(): number[] {
    const pids = this.sessionPids();
    signalAll(pids, 'SIGSTOP');
    this.frozen.push(...pids);
    return pids;
  }

  thawSessions(): void {
    signalAll(this.frozen, 'SIGCONT');
    this.frozen = [];
  }

  freezeListener(): void {
    if (this.child?.pid !== undefined) process.kill(this.child.pid, 'SIGSTOP');
  }

  thawListener(): void {
    if (this.child?.pid !== undefined) process.kill(this.child.pid, 'SIGCONT');
  }

  killSessions(): void {
    signalAll(this.sessionPids(), 'SIGKILL');
    this.frozen = [];
  }

  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    // Collect the tree first: once the listener dies its sessions are re-parented and lost to us.
    await terminate([pid, ...descendantsOf(pid), ...this.frozen]);
    await this.exited;
    this.child = undefined;
    this.frozen = [];
  }

  async restart(): Promise<void> {
    await this.kill();
    // Same port: sshd sets SO_REUSEADDR, but retry in case something else grabbed the port meanwhile.
    let lastError: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        await this.spawnListener();
        return;
      } catch (err) {
        lastError = err;
        await sleep(200);
      }
    }
    throw lastError;
  }

  async regenerateHostKey(): Promise<void> {
    await this.kill();
    await rm(this.hostKeyPath, { force: true });
    await rm(`${this.hostKeyPath}.pub`, { force: true });
    await keygen(this.hostKeyPath);
    await this.restart();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
    this.unregister();
  }

  /** First start: keys once, then a fresh free port per attempt (the port can be stolen between probe and bind). */
  async start(): Promise<void> {
    await keygen(this.hostKeyPath);
    await keygen(this.clientKeyPath);
    writeFileSync(this.authorizedKeysPath, `${await readPub(this.clientPubKeyPath)}\n`, { mode: 0o600 });
    // Privilege separation needs this dir when sshd runs as root; a fresh container may not have it.
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
    let lastError: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      this.portValue = await freePort();
      await this.writePortFiles();
      try {
        await this.spawnListener();
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  private async writePortFiles(): Promise<void> {
    const config = [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${this.hostKeyPath}`,
      'PidFile none',
      `AuthorizedKeysFile ${this.authorizedKeysPath}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      ...(this.opts.maxSessions === undefined ? [] : [`MaxSessions ${this.opts.maxSessions}`]),
      ...(this.opts.extraConfig ?? []),
    ];
    writeFileSync(this.configPath, `${config.join('\n')}\n`);

    writeFileSync(
      this.knownHostsPath,
      `[127.0.0.1]:${this.port} ${await readPub(`${this.hostKeyPath}.pub`)}\n`,
    );
    if (this.opts.hashKnownHosts) {
      await execFileP('ssh-keygen', ['-q', '-H', '-f', this.knownHostsPath]);
      // ssh-keygen -H keeps the plain-text original as .old; drop it so nothing can read it by mistake.
      await rm(`${this.knownHostsPath}.old`, { force: true });
    }

    const client = [
      `Host ${this.alias}`,
      '  HostName 127.0.0.1',
      `  Port ${this.port}`,
      `  User ${this.user}`,
      `  IdentityFile ${this.clientKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${this.knownHostsPath}`,
      // Keep the machine's own /etc/ssh/ssh_known_hosts out of the picture.
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
    ];
    writeFileSync(this.sshConfigPath, `${client.join('\n')}\n`);
  }

  /** Spawns `sshd -D -e`; resolves when it logged "Server listening" and the port accepts TCP. */
  private async spawnListener(): Promise<void> {
    const child = spawn(SSHD, ['-f', this.configPath, '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.ring.push(`--- vigil bench: spawned sshd pid ${child.pid} on port ${this.port} ---\n`);
    let sinceSpawn = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.ring.push(chunk);
      if (sinceSpawn.length < 64 * 1024) sinceSpawn += chunk;
    });
    child.once('exit', (code, signal) => {
      this.ring.push(`--- vigil bench: sshd pid ${child.pid} exited (code ${code}, signal ${signal}) ---\n`);
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    try {
      while (!sinceSpawn.includes('Server listening')) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error('sshd exited during startup');
        if (Date.now() > deadline) throw new Error('sshd did not say "Server listening" in time');
        await sleep(10);
      }
      await canConnect(this.port);
    } catch (err) {
      if (child.pid !== undefined) signalAll([child.pid], 'SIGKILL');
      await this.exited;
      this.child = undefined;
      throw new Error(`${(err as Error).message} (port ${this.port})\n${sinceSpawn}`);
    }
  }
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const sshd = new SshdInstance(mkdtempSync(join(tmpdir(), 'vigil-sshd-')), opts);
  try {
    await sshd.start();
  } catch (err) {
    await sshd.stop();
    throw err;
  }
  return sshd;
}
