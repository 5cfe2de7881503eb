// Opening one hop: one authenticated ssh2 client, reached over TCP or through a jump host. The steps run in
// order — transport (DNS + TCP, or a jump host's channel), SSH handshake with the host-key verdict,
// authentication, ready — under one bound for the whole hop. A hop settles exactly once: ssh2 may emit
// several `error` events for one failure, and a `close` after them.

import { lookup } from 'node:dns/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import ssh2 from 'ssh2';
import { type AuthPlan, planAuth } from './auth';
import { abortError, type StepFn, stepper, whenAborted } from './connect-options';
import { type Ssh2Error, target } from './describe';
import { type HostKeySeen, hopConfig } from './hop-config';
import {
  classifyHopError,
  type HopProgress,
  hopTimeout,
  isAuthAttemptNote,
  jumpForwardFailed,
  resolveFailed,
  tcpFailed,
} from './hop-errors';
import { fingerprint, type HostKeyVerdict } from './known-hosts';
import { type SettleOnce, settleOnce } from './settle-once';
import { type ConnectOptions, type ConnectStep, type ResolvedHost, SshError } from './types';

/** What opening a hop needs besides the host: the connector's settings and the caller's options. */
export interface HopContext {
  /** ssh-agent socket; undefined: SSH_AUTH_SOCK at connect time; null: no agent. */
  agentSock?: string | null;
  /** ssh2 protocol debug lines. */
  debug?: (line: string) => void;
  opts: ConnectOptions;
}

/**
 * Opens one authenticated ssh2 client for `host`, either over TCP or over `via` (a jump host's direct-tcpip
 * channel). `prefix` goes before every step detail and error message (it names a jump host).
 */
export function openHop(
  host: ResolvedHost,
  via: Client | null,
  ctx: HopContext,
  prefix: string,
): Promise<Client> {
  return new Promise<Client>((resolve, reject) => {
    const signal = ctx.opts.signal;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    new HopAttempt(host, ctx, prefix, resolve, reject).start(via);
  });
}

class HopAttempt implements HopProgress {
  stage: ConnectStep = 'resolve';
  verdict: HostKeyVerdict | null = null;
  plan: AuthPlan | null = null;
  readonly authNotes: string[] = [];
  private readonly client: Client = new ssh2.Client();
  /** The transport once there is one: destroyed along with the client when the hop fails. */
  private sock: Duplex | null = null;
  private readonly step: StepFn;
  private readonly outcome: SettleOnce<Client>;
  private deadline: NodeJS.Timeout | undefined;
  private stopAbortWatch: () => void = () => {};

  constructor(
    readonly host: ResolvedHost,
    private readonly ctx: HopContext,
    private readonly prefix: string,
    resolve: (client: Client) => void,
    reject: (err: Error) => void,
  ) {
    this.step = stepper(ctx.opts, prefix);
    this.outcome = settleOnce(resolve, reject, () => {
      clearTimeout(this.deadline);
      this.stopAbortWatch();
    });
  }

  start(via: Client | null): void {
    this.stopAbortWatch = whenAborted(this.ctx.opts.signal, (err) => this.fail(err));
    // One bound for the whole hop, DNS included: ssh2's readyTimeout only starts once the socket exists.
    this.deadline = setTimeout(
      () => this.fail(hopTimeout(this.host, this.stage)),
      this.host.connectTimeoutMs,
    );
    this.watchClient();
    if (via) this.connectThroughJump(via);
    else void this.connectDirect();
  }

  /** Errors ssh2 reports while connecting. Those about one auth attempt are notes: ssh2 goes on to the next. */
  private watchClient(): void {
    this.client.on('error', (err: Ssh2Error) => {
      if (this.outcome.settled) return;
      if (isAuthAttemptNote(err)) {
        this.authNotes.push(err.message);
        return;
      }
      this.fail(classifyHopError(this, err));
    });
    this.client.on('close', () => {
      if (this.outcome.settled) return;
      this.fail(classifyHopError(this, null));
    });
  }

  /** The jump host resolves and connects for us; its refusal arrives as a channel-open failure. */
  private connectThroughJump(via: Client): void {
    const { hostname, port } = this.host;
    this.stage = 'tcp';
    try {
      via.forwardOut('127.0.0.1', 0, hostname, port, (err, channel) => {
        if (err) {
          const failure = jumpForwardFailed(this.host, err);
          if (failure.kind === 'resolve') this.stage = 'resolve';
          this.fail(failure);
          return;
        }
        if (this.outcome.settled) {
          channel.close();
          return;
        }
        this.step('resolve', true, `${hostname} resolved by the jump host`);
        this.step('tcp', true, `connected to ${hostname}:${port} through the jump host`);
        this.startSsh(channel);
      });
    } catch (err) {
      this.fail(new SshError('lost', `the jump host connection ended: ${(err as Error).message}`));
    }
  }

  /** DNS (unless the host name is an address), then TCP. */
  private async connectDirect(): Promise<void> {
    const { hostname } = this.host;
    const address = await this.resolveAddress();
    if (address === null || this.outcome.settled) return;
    this.step('resolve', true, address === hostname ? address : `${hostname} → ${address}`);
    this.stage = 'tcp';
    this.connectTcp(address);
  }

  /** The address to connect to, or null once the hop has failed. */
  private async resolveAddress(): Promise<string | null> {
    const { hostname } = this.host;
    if (isIP(hostname)) return hostname;
    try {
      return (await lookup(hostname)).address;
    } catch (err) {
      this.fail(resolveFailed(hostname, err));
      return null;
    }
  }

  private connectTcp(address: string): void {
    const { port } = this.host;
    const s: Socket = netConnect({ host: address, port });
    this.sock = s;
    // `on`, not `once`: a socket can emit a second error, and one with no listener would crash the process.
    s.on('error', (err: NodeJS.ErrnoException) => this.fail(tcpFailed(address, port, err)));
    s.once('connect', () => {
      if (this.outcome.settled) return;
      // Probes are small request/reply exchanges: Nagle would add delay to every one.
      s.setNoDelay(true);
      this.step('tcp', true, `connected to ${address}:${port}`);
      this.startSsh(s);
    });
  }

  /** The transport is up: ssh2 does the handshake (asking us about the host key), then authenticates. */
  private startSsh(transport: Duplex): void {
    if (this.outcome.settled) {
      transport.destroy();
      return;
    }
    this.sock = transport;
    this.stage = 'handshake';
    const { host } = this;
    const plan = planAuth({
      user: host.user,
      identityFiles: host.identityFiles,
      agentSock: this.ctx.agentSock,
    });
    this.plan = plan;
    const config = hopConfig(host, transport, plan, (seen) => this.onHostKey(seen), this.ctx.debug);
    // Key exchange done: from here on a failure is about authentication.
    this.client.once('handshake', () => {
      this.stage = 'auth';
    });
    this.client.once('ready', () => this.loggedIn(plan));
    try {
      this.client.connect(config);
    } catch (err) {
      this.fail(new SshError('handshake', `cannot start SSH to ${target(host)}: ${(err as Error).message}`));
    }
  }

  /** ssh2's hostVerifier: the handshake got as far as the host key; true lets it go on to authentication. */
  private onHostKey({ type, key, verdict }: HostKeySeen): boolean {
    this.verdict = verdict;
    this.step('handshake', true, `${this.host.hostname}:${this.host.port} speaks SSH (host key ${type})`);
    this.stage = 'host-key';
    // Remembered, so the error ssh2 raises after we refuse ("Host denied") becomes the right SshError.
    if (!verdict.ok) return false;
    this.step('host-key', true, `${type} ${fingerprint(key)} matches ${verdict.file}:${verdict.line}`);
    return true;
  }

  private loggedIn(plan: AuthPlan): void {
    const how = plan.tried.at(-1) ?? 'no credentials';
    this.outcome.resolve(this.client, () =>
      this.step('auth', true, `logged in as ${this.host.user} with ${how}`),
    );
  }

  /** Fails the hop (the first failure wins): reports the step, tears everything down, names the jump host. */
  private fail(err: Error): void {
    const named =
      err instanceof SshError && this.prefix
        ? new SshError(err.kind, this.prefix + err.message, err.fix, err.code)
        : err;
    this.outcome.reject(named, () => {
      if (err instanceof SshError) this.step(this.stage, false, err.message);
      this.client.destroy();
      this.sock?.destroy();
    });
  }
}
