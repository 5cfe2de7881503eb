// An open connection, as the engine sees it (SshSession): scripts run one after another in a long-lived
// control shell, byte ranges are read over SFTP, and the end of the connection — closed by us, or lost —
// fails whatever is pending and is reported once.

import type { Writable } from 'node:stream';
import type { Client } from 'ssh2';
import type { ControlShell } from './control-shell';
import { ControlShellSlot } from './control-shell-slot';
import { type Ssh2Error, secs, target } from './describe';
import { InflightRequests } from './inflight';
import { SftpChannel } from './sftp-channel';
import { readRange, readRangeKeepingOpen } from './sftp-read';
import { SftpReads } from './sftp-reads';
import { shQuote } from './shell-quote';
import {
  type ResolvedHost,
  type RunOptions,
  type RunResult,
  type SideStream,
  SshError,
  type SshSession,
} from './types';

const DEFAULT_RUN_TIMEOUT_MS = 20_000;

export class Ssh2Session implements SshSession {
  home = '';
  private isAlive = true;
  private closedByUs = false;
  private lostError: SshError | null = null;
  private listeners: ((err: SshError) => void)[] = [];
  private hasTimeout = false;
  private corked = false;
  /** Where each read goes, so that one that hangs holds up nothing but its own path. */
  private readonly reads: SftpReads;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly control: ControlShellSlot;
  private readonly sftp: SftpChannel;
  /** Runs and reads in flight, so a lost connection fails them at once instead of at their timeout. */
  private readonly inflight = new InflightRequests();

  constructor(
    private readonly host: ResolvedHost,
    private readonly client: Client,
    private readonly jumps: Client[],
    readTimeoutMs: number,
  ) {
    this.control = new ControlShellSlot(client, host.name, () => this.isAlive);
    quietKeepalives(client);
    this.sftp = new SftpChannel(client, host.name);
    this.reads = new SftpReads({
      shared: this.sftp,
      openAlone: () => new SftpChannel(client, host.name).get(),
      inflight: this.inflight,
      timeoutMs: readTimeoutMs,
      hostName: host.name,
      onHung: (path) => this.unstick(path),
      now: () => Date.now(),
    });
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

  /** Opens the control shell and learns $HOME and whether `timeout` exists, within the connect bound (the caller's race). */
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

  run(script: string, opts?: RunOptions): Promise<RunResult> {
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    // Serialised: one sh runs one script at a time. The bound starts when the script's turn comes.
    const p = this.queue.then(() => this.runNow(script, timeoutMs, opts));
    this.queue = p.catch(() => {});
    return p;
  }

  startStream(script: string, opts?: RunOptions): Promise<{ result: RunResult; stream: SideStream }> {
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    let stream: ShellStream | null = null;
    const p = this.queue.then(() =>
      this.runNow(script, timeoutMs, opts, (shell) => {
        stream = new ShellStream(shell);
      }),
    );
    this.queue = p.catch(() => {});
    return p.then(
      (result) => ({ result, stream: stream! }),
      (e) => {
        (stream as ShellStream | null)?.close();
        throw e;
      },
    );
  }

  private runNow(
    script: string,
    timeoutMs: number,
    opts?: RunOptions,
    /** Set: a stream's launch, run without `timeout` and with fd 3 on the shell's stderr. */
    streamFrom?: (shell: ControlShell) => void,
  ): Promise<RunResult> {
    if (!this.isAlive) return Promise.reject(this.deadError());
    let shell: ControlShell | null = null;
    const onTimeout = () => {
      const err = new SshError(
        'channel',
        `no reply from ${this.host.name} within ${secs(timeoutMs)} to: ${firstLine(script)}`,
        'The host may be overloaded, or the command hangs (a stuck file system?).',
      );
      // The shell is busy with a script that may never end: drop it; the next run() opens a fresh one.
      if (shell) shell.destroy(err);
      else this.control.drop();
      return err;
    };
    return this.inflight.track<RunResult>(timeoutMs, onTimeout, (request) => {
      const failed = (e: Error) => request.reject(this.isAlive ? e : this.deadError());
      this.control.get().then((s) => {
        if (request.settled) return;
        shell = s;
        // Remote bound a little beyond ours: we give up first, then `timeout` reaps what we left behind.
        // A stream's launch has none: `timeout` would kill what it starts in the background.
        const remote =
          this.hasTimeout && !streamFrom && !opts?.builtin ? Math.ceil(timeoutMs / 1000) + 1 : null;
        streamFrom?.(s);
        const runOpts = {
          env: opts?.env,
          encoding: opts?.encoding,
          stderrAs3: !!streamFrom,
          keep: !!opts?.builtin,
        };
        s.run(script, remote, runOpts).then((r) => request.resolve(r), failed);
      }, failed);
    });
  }

  read(path: string, offset: number, maxBytes: number, inode?: number): Promise<Uint8Array> {
    if (!this.isAlive) return Promise.reject(this.deadError());
    const invalid = invalidRead(path, offset, maxBytes);
    if (invalid) return Promise.reject(invalid);
    this.coalesceWrites();
    // A channel that fails because the connection died says so, not its own last words.
    const named = (e: Error) => {
      throw this.isAlive || (e instanceof SshError && e.kind === 'sftp') ? e : this.deadError();
    };
    return this.reads.read(
      { path, offset, maxBytes, inode },
      (s) =>
        (inode === undefined
          ? readRange(s, path, offset, maxBytes)
          : readRangeKeepingOpen(s, path, offset, maxBytes, inode)
        ).catch(named),
      (s) => readRange(s, path, offset, maxBytes).catch(named),
    );
  }

  /**
   * A read of `path` hung and was abandoned, but the server process serving it may still wait: on a named
   * pipe, for a writer that never comes, for ever (and past Vigil's exit). Opening the pipe for reading
   * and writing (which never blocks) and closing it gives that process its writer and then its end of
   * file, so it answers and exits. Anything else stuck (a dead mount) cannot be freed from here.
   */
  private unstick(path: string): void {
    if (!this.isAlive) return;
    const q = shQuote(path);
    this.run(`if [ -p ${q} ]; then : <> ${q}; fi`, { timeoutMs: 10_000 }).catch(() => {});
  }

  /**
   * Holds the transport's writes until the current burst of work is done (process.nextTick runs after the
   * pending promise callbacks), so the read requests of a poll's workers leave in one TCP write instead of
   * one each: fewer syscalls here, fewer wake-ups on the host. `_sock` is the stream ssh2 writes to (1.x).
   */
  private coalesceWrites(): void {
    const sock = (this.client as unknown as { _sock?: Writable })._sock;
    if (this.corked || typeof sock?.cork !== 'function') return;
    this.corked = true;
    sock.cork();
    process.nextTick(() => {
      this.corked = false;
      sock.uncork();
    });
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
    this.inflight.failAll(err);
    this.control.close();
    this.sftp.forget();
    for (const c of [this.client, ...[...this.jumps].reverse()]) {
      c.end();
      // end() waits for the peer; a frozen peer never answers, so do not let the socket linger.
      setTimeout(() => c.destroy(), 1000).unref();
    }
  }
}

/** Why read() refuses its arguments, or null when they are fine. */
function invalidRead(path: string, offset: number, maxBytes: number): SshError | null {
  if (!path.startsWith('/') || path.includes('\0')) {
    return new SshError('sftp', `not an absolute remote path: ${JSON.stringify(path)}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    return new SshError('sftp', `bad range for ${path}: offset ${offset}, maxBytes ${maxBytes}`);
  }
  return null;
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

/** The stderr of one control shell, as a SideStream; chunks wait until a listener is set. */
class ShellStream implements SideStream {
  private held: Buffer[] | null = [];
  private dataListener: ((chunk: Buffer) => void) | null = null;
  private endListener: ((why: string) => void) | null = null;
  private ended: string | null = null;
  private readonly detach: () => void;

  constructor(shell: ControlShell) {
    this.detach = shell.onStderr((chunk) => {
      if (this.dataListener) this.dataListener(chunk);
      else this.held?.push(chunk);
    });
    shell.onceEnded(() => this.end('the control shell ended'));
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
    const held = this.held ?? [];
    this.held = null;
    for (const c of held) listener(c);
  }

  onEnd(listener: (why: string) => void): void {
    this.endListener = listener;
    if (this.ended !== null) queueMicrotask(() => listener(this.ended!));
  }

  private end(why: string): void {
    if (this.ended !== null) return;
    this.ended = why;
    this.detach();
    this.endListener?.(why);
  }

  close(): void {
    this.dataListener = null;
    this.endListener = null;
    this.end('closed');
  }
}

/**
 * Bytes from the server prove it is alive: its keepalive count starts over, as OpenSSH's
 * ServerAliveInterval does, so a host that streams (follow mode) or answers is not also pinged every
 * interval. A silent host is pinged as before, and given up after the same count. `_sock` and
 * `_resetKA` are ssh2 1.x's transport and keepalive reset; without them, keepalives go as configured.
 */
function quietKeepalives(client: Client): void {
  const c = client as unknown as { _sock?: NodeJS.ReadableStream; _resetKA?: () => void };
  const sock = c._sock;
  if (!sock || typeof c._resetKA !== 'function') return;
  sock.on('data', () => c._resetKA?.());
}
