// The ssh2 adapter of the SshConnector port. One connection per host: resolve, TCP, handshake, host key,
// authentication, then a long-lived control shell. Every failure becomes an SshError of a definite kind,
// because the engine turns kinds into health states (unreachable, auth-failed, host-key-mismatch) and
// `vigil doctor` shows them step by step.

import { lookup } from 'node:dns/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, ConnectConfig, ServerHostKeyAlgorithm, SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';
import { type AuthPlan, authFailure, authHandler, planAuth } from './auth';
import { CONTROL_COMMAND, ControlShell, openExec } from './control-shell';
import { checkHostKey, fingerprint, type HostKeyVerdict, keyTypeOfBlob, knownKeyTypes } from './known-hosts';
import { readRange } from './sftp-read';
import {
  type ConnectOptions,
  type ConnectStep,
  type ResolvedHost,
  type RunResult,
  type SshConnector,
  SshError,
  type SshSession,
} from './types';

export interface Ssh2ConnectorOptions {
  /** ssh-agent socket; defaults to SSH_AUTH_SOCK at connect time. null: no agent. */
  agentSock?: string | null;
  /** Bound on one SFTP read (open + reads + close). Default 30 s. */
  readTimeoutMs?: number;
  /** ssh2 protocol debug lines (never contain key material). */
  debug?: (line: string) => void;
}

const DEFAULT_RUN_TIMEOUT_MS = 20_000;
const DEFAULT_READ_TIMEOUT_MS = 30_000;

/** ssh2's host-key algorithms, in its default order; a known key type expands to the algorithms that use it. */
const HOST_KEY_ALGOS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
const ALGOS_FOR_KEY_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** Known key types first (as OpenSSH orders them), then the rest, so a known host never looks changed. */
export function hostKeyAlgorithms(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes.flatMap((t) => ALGOS_FOR_KEY_TYPE[t] ?? []);
  return [...new Set([...first, ...HOST_KEY_ALGOS])];
}

type Ssh2Error = Error & { level?: string; code?: string | number; reason?: number };

function target(host: ResolvedHost): string {
  return `${host.user}@${host.hostname}:${host.port}`;
}

function secs(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('connect aborted', 'AbortError');
}

/** Reports steps to the caller; a throwing listener must not break the connection. */
type StepFn = (step: ConnectStep, ok: boolean, detail: string) => void;
function stepper(opts: ConnectOptions, prefix: string): StepFn {
  return (step, ok, detail) => {
    try {
      opts.onStep?.(step, ok, prefix + detail);
    } catch {
      // The listener's problem, not the connection's.
    }
  };
}

interface HopContext {
  connector: Required<Pick<Ssh2ConnectorOptions, 'readTimeoutMs'>> & Ssh2ConnectorOptions;
  opts: ConnectOptions;
}

interface OpenedClient {
  client: Client;
  /** Ends with the client: jump clients, closed after it, innermost first. */
  jumps: Client[];
  /** Called after ready: the time left of this hop's connect bound, and a way to fail it. */
  remainingMs: () => number;
}

/**
 * Opens one authenticated ssh2 client for `host`, either over TCP or over `via` (a jump host's
 * direct-tcpip channel). Settles exactly once: ssh2 may emit several `error` events for one failure, and a
 * `close` after them.
 */
function openClient(
  host: ResolvedHost,
  via: Client | null,
  ctx: HopContext,
  prefix: string,
): Promise<Client> {
  const step = stepper(ctx.opts, prefix);
  const signal = ctx.opts.signal;
  const where = target(host);
  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let sock: Duplex | null = null;
    let stage: ConnectStep = 'resolve';
    let settled = false;
    let verdict: HostKeyVerdict | null = null;
    let plan: AuthPlan | null = null;
    const authNotes: string[] = [];

    const cleanup = () => {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      cleanup();
      if (err instanceof SshError) step(stage, false, err.message);
      client.destroy();
      sock?.destroy();
      reject(
        err instanceof SshError && prefix
          ? new SshError(err.kind, prefix + err.message, err.fix, err.code)
          : err,
      );
    };
    const onAbort = () => fail(abortError(signal!));
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    // One bound for the whole hop, DNS included: ssh2's readyTimeout only starts once the socket exists.
    const deadline = setTimeout(() => {
      fail(
        new SshError(
          'timeout',
          `no answer from ${where} within ${secs(host.connectTimeoutMs)} (during ${stage})`,
          stage === 'resolve' || stage === 'tcp'
            ? 'Check that the host is up and reachable (VPN, security group, firewall).'
            : 'The host accepts connections but does not answer: it may be overloaded, or the port is not SSH.',
        ),
      );
    }, host.connectTimeoutMs);

    // Errors ssh2 reports while connecting. Those about one auth attempt are notes: ssh2 goes on to the next.
    client.on('error', (err: Ssh2Error) => {
      if (settled) return;
      if (
        err.level === 'agent' ||
        (err.level === 'client-authentication' && !/All configured/.test(err.message))
      ) {
        authNotes.push(err.message);
        return;
      }
      fail(classify(err));
    });
    client.on('close', () => {
      if (settled) return;
      fail(classify(null));
    });

    const classify = (err: Ssh2Error | null): SshError => {
      if (verdict && !verdict.ok) return new SshError(verdict.kind, verdict.message, verdict.fix);
      const why = err?.message ?? 'the server closed the connection';
      if (err?.level === 'client-timeout') {
        return new SshError(
          'timeout',
          `no SSH answer from ${where} within ${secs(host.connectTimeoutMs)} (during ${stage})`,
          'The host accepts connections but does not answer: it may be overloaded, or the port is not SSH.',
        );
      }
      if (stage === 'auth') {
        const e = authFailure(plan!, { user: host.user, host: host.hostname, port: host.port });
        const extra = /All configured/.test(why) ? '' : ` (${why})`;
        const notes = authNotes.length ? ` Notes: ${authNotes.join('; ')}.` : '';
        return new SshError(e.kind, e.message + extra + notes, e.fix);
      }
      if (stage === 'shell')
        return new SshError('lost', `connection to ${where} lost while starting the shell: ${why}`);
      return new SshError(
        'handshake',
        `SSH handshake with ${where} failed: ${why}`,
        'Check that the port is an SSH server and that it supports a modern key exchange (OpenSSH ≥ 7).',
      );
    };

    const startSsh = (transport: Duplex) => {
      if (settled) {
        transport.destroy();
        return;
      }
      sock = transport;
      stage = 'handshake';
      const q = {
        files: host.knownHostsFiles,
        host: host.hostname,
        port: host.port,
        hostKeyAlias: host.hostKeyAlias,
        user: host.user,
        jump: host.proxyJump.map(target).join(',') || undefined,
      };
      plan = planAuth({
        user: host.user,
        identityFiles: host.identityFiles,
        agentSock: ctx.connector.agentSock,
      });
      const config: ConnectConfig = {
        sock: transport,
        username: host.user,
        readyTimeout: host.connectTimeoutMs,
        // Off by default in ssh2: without it a frozen host hangs every request forever.
        keepaliveInterval: host.keepaliveIntervalMs,
        keepaliveCountMax: host.keepaliveCountMax,
        algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(q)) },
        authHandler: authHandler(plan),
        hostVerifier: (key: Buffer) => {
          const type = keyTypeOfBlob(key) ?? 'unknown';
          verdict = checkHostKey(q, type, key);
          step('handshake', true, `${host.hostname}:${host.port} speaks SSH (host key ${type})`);
          stage = 'host-key';
          // Remembered, so the error ssh2 raises after we refuse ("Host denied") becomes the right SshError.
          if (!verdict.ok) return false;
          step('host-key', true, `${type} ${fingerprint(key)} matches ${verdict.file}:${verdict.line}`);
          return true;
        },
        debug: ctx.connector.debug,
      };
      // Key exchange done: from here on a failure is about authentication.
      client.once('handshake', () => {
        stage = 'auth';
      });
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        cleanup();
        const how = plan!.tried.at(-1) ?? 'no credentials';
        step('auth', true, `logged in as ${host.user} with ${how}`);
        resolve(client);
      });
      try {
        client.connect(config);
      } catch (err) {
        fail(new SshError('handshake', `cannot start SSH to ${where}: ${(err as Error).message}`));
      }
    };

    if (via) {
      // The jump host resolves and connects for us; its refusal arrives as a channel-open failure.
      stage = 'tcp';
      try {
        via.forwardOut('127.0.0.1', 0, host.hostname, host.port, (err, channel) => {
          if (err) {
            const nameFailed = /resolve|name|known/i.test(err.message);
            if (nameFailed) stage = 'resolve';
            fail(
              new SshError(
                nameFailed ? 'resolve' : 'tcp',
                `the jump host could not reach ${host.hostname}:${host.port}: ${err.message}`,
                'Check the host name and port as seen from the jump host.',
              ),
            );
            return;
          }
          if (settled) {
            channel.close();
            return;
          }
          step('resolve', true, `${host.hostname} resolved by the jump host`);
          step('tcp', true, `connected to ${host.hostname}:${host.port} through the jump host`);
          startSsh(channel);
        });
      } catch (err) {
        fail(new SshError('lost', `the jump host connection ended: ${(err as Error).message}`));
      }
      return;
    }

    void (async () => {
      let address = host.hostname;
      if (!isIP(host.hostname)) {
        try {
          address = (await lookup(host.hostname)).address;
        } catch (err) {
          fail(
            new SshError(
              'resolve',
              `cannot resolve ${host.hostname}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
              'Check the HostName (typo? VPN or DNS down?).',
            ),
          );
          return;
        }
      }
      if (settled) return;
      step('resolve', true, address === host.hostname ? address : `${host.hostname} → ${address}`);
      stage = 'tcp';
      const s: Socket = netConnect({ host: address, port: host.port });
      sock = s;
      // `on`, not `once`: a socket can emit a second error, and one with no listener would crash the process.
      s.on('error', (err: NodeJS.ErrnoException) => {
        fail(
          new SshError(
            'tcp',
            `cannot connect to ${address}:${host.port}: ${err.code ?? err.message}`,
            err.code === 'ECONNREFUSED'
              ? `Nothing listens on port ${host.port}: check the Port, and that sshd runs.`
              : 'Check the network route to the host (VPN, security group, firewall).',
          ),
        );
      });
      s.once('connect', () => {
        if (settled) return;
        // Probes are small request/reply exchanges: Nagle would add delay to every one.
        s.setNoDelay(true);
        step('tcp', true, `connected to ${address}:${host.port}`);
        startSsh(s);
      });
    })();
  });
}

/** Connects `host`, through its jump hosts (outermost first), each with its own checks and bound. */
async function openChain(host: ResolvedHost, ctx: HopContext): Promise<OpenedClient> {
  const started = Date.now();
  const jumps: Client[] = [];
  try {
    let via: Client | null = null;
    for (const [i, jump] of host.proxyJump.entries()) {
      // A jump host's own ProxyJump applies only to the first hop; later hops are reached through the chain.
      const label = `via jump host ${jump.name} (${target(jump)}): `;
      if (i === 0 && jump.proxyJump.length > 0) {
        const inner: OpenedClient = await openChain(jump, ctx);
        jumps.push(...inner.jumps, inner.client);
        via = inner.client;
      } else {
        via = await openClient(jump, via, ctx, label);
        jumps.push(via);
      }
    }
    const client = await openClient(host, via, ctx, '');
    return { client, jumps, remainingMs: () => host.connectTimeoutMs - (Date.now() - started) };
  } catch (err) {
    for (const j of jumps.reverse()) j.destroy();
    throw err;
  }
}

class Ssh2Session implements SshSession {
  home = '';
  private isAlive = true;
  private closedByUs = false;
  private lostError: SshError | null = null;
  private listeners: ((err: SshError) => void)[] = [];
  private control: Promise<ControlShell> | null = null;
  private hasTimeout = false;
  private queue: Promise<unknown> = Promise.resolve();
  private sftp: Promise<SFTPWrapper> | null = null;
  /** Rejecters of in-flight reads, so a lost connection fails them at once instead of at their timeout. */
  private readonly inflight = new Set<(err: SshError) => void>();

  constructor(
    private readonly host: ResolvedHost,
    private readonly client: Client,
    private readonly jumps: Client[],
    private readonly readTimeoutMs: number,
  ) {
    // A permanent listener: an `error` with none would crash the process, and ssh2 can emit more than one.
    client.on('error', (err: Ssh2Error) => this.lose(describeLoss(err, host)));
    client.on('close', () => this.lose('the connection closed'));
    for (const j of jumps) {
      j.on('error', (err: Ssh2Error) => this.lose(`jump host: ${describeLoss(err, host)}`));
      j.on('close', () => this.lose('the jump host connection closed'));
    }
  }

  get alive(): boolean {
    return this.isAlive;
  }

  /** Opens the control shell and learns $HOME and whether `timeout` exists, within the connect bound. */
  async init(): Promise<void> {
    const r = await this.runNow(
      'printf "%s\\n" "$HOME"; command -v timeout >/dev/null 2>&1 && echo timeout',
      DEFAULT_RUN_TIMEOUT_MS,
    );
    const [home, timeout] = r.stdout.split('\n');
    if (!home?.startsWith('/')) {
      throw new SshError(
        'channel',
        `the remote shell on ${target(this.host)} did not report $HOME (got ${r.stdout})`,
      );
    }
    this.home = home;
    this.hasTimeout = timeout === 'timeout';
  }

  run(script: string, opts?: { timeoutMs?: number }): Promise<RunResult> {
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    // Serialised: one sh runs one script at a time. The bound starts when the script's turn comes.
    const p = this.queue.then(() => this.runNow(script, timeoutMs));
    this.queue = p.catch(() => {});
    return p;
  }

  private runNow(script: string, timeoutMs: number): Promise<RunResult> {
    if (!this.isAlive) return Promise.reject(this.deadError());
    return new Promise<RunResult>((resolve, reject) => {
      let done = false;
      let shell: ControlShell | null = null;
      const finish = (err: Error | null, r?: RunResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inflight.delete(onLost);
        if (err) reject(err);
        else resolve(r!);
      };
      const onLost = (err: SshError) => finish(err);
      this.inflight.add(onLost);
      const timer = setTimeout(() => {
        const err = new SshError(
          'channel',
          `no reply from ${this.host.name} within ${secs(timeoutMs)} to: ${firstLine(script)}`,
          'The host may be overloaded, or the command hangs (a stuck file system?).',
        );
        // The shell is busy with a script that may never end: drop it; the next run() opens a fresh one.
        if (shell) shell.destroy(err);
        else this.dropControl();
        finish(err);
      }, timeoutMs);
      this.controlShell().then(
        (s) => {
          if (done) return;
          shell = s;
          // Remote bound a little beyond ours: we give up first, then `timeout` reaps what we left behind.
          const remote = this.hasTimeout ? Math.ceil(timeoutMs / 1000) + 1 : null;
          s.run(script, remote).then(
            (r) => finish(null, r),
            (e: Error) => finish(this.isAlive ? e : this.deadError()),
          );
        },
        (e: Error) => finish(this.isAlive ? e : this.deadError()),
      );
    });
  }

  private controlShell(): Promise<ControlShell> {
    if (!this.control) {
      const p = openExec(this.client, CONTROL_COMMAND).then(
        (channel) => {
          const shell = new ControlShell(channel, this.host.name);
          // When it ends (timeout, exit, lost), forget it so the next run() opens a new one.
          shell.onceEnded(() => {
            if (this.control === p) this.control = null;
          });
          if (!this.isAlive || this.control !== p) shell.destroy();
          return shell;
        },
        (err: Error) => {
          if (this.control === p) this.control = null;
          throw new SshError('channel', `cannot open a shell on ${this.host.name}: ${err.message}`);
        },
      );
      this.control = p;
    }
    return this.control;
  }

  /** Forgets a control shell still being opened; it is closed when (if) the open completes. */
  private dropControl(): void {
    this.control = null;
  }

  read(path: string, offset: number, maxBytes: number): Promise<Uint8Array> {
    if (!this.isAlive) return Promise.reject(this.deadError());
    if (!path.startsWith('/') || path.includes('\0')) {
      return Promise.reject(new SshError('sftp', `not an absolute remote path: ${JSON.stringify(path)}`));
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      return Promise.reject(
        new SshError('sftp', `bad range for ${path}: offset ${offset}, maxBytes ${maxBytes}`),
      );
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | null, data?: Uint8Array) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inflight.delete(onLost);
        if (err) reject(err);
        else resolve(data!);
      };
      const onLost = (err: SshError) => finish(err);
      this.inflight.add(onLost);
      const sftpP = this.sftpChannel();
      const timer = setTimeout(() => {
        // Replies to a stuck request may still come in any order: start a new SFTP channel for the next read.
        if (this.sftp === sftpP) this.sftp = null;
        void sftpP.then((s) => s.end()).catch(() => {});
        finish(
          new SshError(
            'channel',
            `no SFTP reply from ${this.host.name} within ${secs(this.readTimeoutMs)} reading ${path}`,
          ),
        );
      }, this.readTimeoutMs);
      sftpP
        .then((s) => readRange(s, path, offset, maxBytes))
        .then(
          (data) => finish(null, data),
          (e: Error) =>
            finish(this.isAlive || (e instanceof SshError && e.kind === 'sftp') ? e : this.deadError()),
        );
    });
  }

  private sftpChannel(): Promise<SFTPWrapper> {
    if (!this.sftp) {
      const p = new Promise<SFTPWrapper>((resolve, reject) => {
        try {
          this.client.sftp((err, sftp) => {
            if (err) {
              reject(new SshError('channel', `cannot start SFTP on ${this.host.name}: ${err.message}`));
              return;
            }
            sftp.on('error', () => {});
            sftp.on('close', () => {
              if (this.sftp === p) this.sftp = null;
            });
            resolve(sftp);
          });
        } catch (err) {
          reject(
            new SshError('channel', `cannot start SFTP on ${this.host.name}: ${(err as Error).message}`),
          );
        }
      });
      p.catch(() => {
        if (this.sftp === p) this.sftp = null;
      });
      this.sftp = p;
    }
    return this.sftp;
  }

  onClose(listener: (err: SshError) => void): void {
    if (this.lostError) {
      const err = this.lostError;
      queueMicrotask(() => listener(err));
    } else if (!this.closedByUs) {
      this.listeners.push(listener);
    }
  }

  close(): void {
    if (this.closedByUs || !this.isAlive) {
      this.closedByUs = true;
      return;
    }
    this.closedByUs = true;
    this.shutdown(new SshError('lost', `connection to ${this.host.name} was closed by Vigil`));
  }

  private deadError(): SshError {
    return this.lostError ?? new SshError('lost', `connection to ${this.host.name} was closed by Vigil`);
  }

  /** The connection died on its own: fail everything pending, then tell the listeners once. */
  private lose(reason: string): void {
    if (!this.isAlive) return;
    const err = new SshError(
      'lost',
      `connection to ${this.host.name} (${target(this.host)}) lost: ${reason}`,
      'Vigil reconnects by itself; if it keeps failing, check the host (overloaded? rebooted?).',
    );
    this.lostError = err;
    this.shutdown(err);
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) {
      try {
        l(err);
      } catch {
        // One listener's failure must not keep the others from hearing.
      }
    }
  }

  private shutdown(err: SshError): void {
    this.isAlive = false;
    for (const rejectPending of [...this.inflight]) rejectPending(err);
    this.inflight.clear();
    const control = this.control;
    this.control = null;
    void control?.then((s) => s.destroy()).catch(() => {});
    this.sftp = null;
    for (const c of [this.client, ...[...this.jumps].reverse()]) {
      c.end();
      // end() waits for the peer; a frozen peer never answers, so do not let the socket linger.
      setTimeout(() => c.destroy(), 1000).unref();
    }
  }
}

function describeLoss(err: Ssh2Error, host: ResolvedHost): string {
  if (err.level === 'client-timeout') {
    return `no answer to ${host.keepaliveCountMax} keepalives sent ${secs(host.keepaliveIntervalMs)} apart`;
  }
  return err.message;
}

function firstLine(script: string): string {
  const line = script.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

export function createSsh2Connector(options: Ssh2ConnectorOptions = {}): SshConnector {
  const connector = { readTimeoutMs: DEFAULT_READ_TIMEOUT_MS, ...options };
  return {
    async connect(host: ResolvedHost, opts: ConnectOptions = {}): Promise<SshSession> {
      const ctx: HopContext = { connector, opts };
      const opened = await openChain(host, ctx);
      const session = new Ssh2Session(host, opened.client, opened.jumps, connector.readTimeoutMs);
      const step = stepper(opts, '');
      // The shell is part of connecting: bounded by what is left of the connect bound, and abortable.
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      try {
        await Promise.race([
          session.init(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new SshError(
                    'timeout',
                    `${host.name} logged in but its shell did not answer within ${secs(host.connectTimeoutMs)}`,
                    'The host is probably overloaded; a slow shell startup file (.bashrc) can also cause this.',
                  ),
                ),
              Math.max(opened.remainingMs(), 1),
            );
            if (opts.signal) {
              onAbort = () => reject(abortError(opts.signal!));
              if (opts.signal.aborted) onAbort();
              else opts.signal.addEventListener('abort', onAbort, { once: true });
            }
          }),
        ]);
      } catch (err) {
        session.close();
        step('shell', false, (err as Error).message);
        throw err;
      } finally {
        clearTimeout(timer);
        if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
      }
      step('shell', true, `remote shell ready (home ${session.home})`);
      return session;
    },
  };
}
