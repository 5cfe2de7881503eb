// The SSH port: what the engine needs from a connection. The ssh2 adapter implements it; tests of the
// engine use a fake.

/** Everything needed to open a connection, after ~/.ssh/config and the Vigil config are merged. */
export interface ResolvedHost {
  /** The Vigil host name (alias) this came from. */
  name: string;
  hostname: string;
  port: number;
  user: string;
  /** Candidate private keys, in order; missing files are skipped. */
  identityFiles: string[];
  /** known_hosts files to check the host key against, in order. */
  knownHostsFiles: string[];
  /** HostKeyAlias from ssh_config: the name looked up in known_hosts instead of hostname. */
  hostKeyAlias: string | null;
  /** Jump hosts, outermost first (ProxyJump a,b → [a, b]). */
  proxyJump: ResolvedHost[];
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export type SshFailureKind =
  | 'resolve' // name resolution failed
  | 'tcp' // connection refused / unreachable network
  | 'timeout' // no answer within the connect bound (tarpit, frozen listener)
  | 'handshake' // the peer spoke but the SSH handshake failed
  | 'host-key-unknown' // host not in known_hosts
  | 'host-key-mismatch' // host key changed: never connect
  | 'auth' // no key or agent identity was accepted
  | 'key' // a key file cannot be used (encrypted with no agent, unreadable, bad format)
  | 'lost' // an established connection died (keepalive, socket closed)
  | 'channel' // a channel could not be opened or a remote command timed out
  | 'sftp'; // an SFTP request failed (see message)

export class SshError extends Error {
  constructor(
    readonly kind: SshFailureKind,
    message: string,
    /** What the user should do, as a command or a sentence. */
    readonly fix?: string,
    /** For SFTP failures: the SFTP status code (2 = no such file, 3 = permission denied). */
    readonly code?: number,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

export type ConnectStep = 'resolve' | 'tcp' | 'handshake' | 'host-key' | 'auth' | 'shell';

export interface ConnectOptions {
  signal?: AbortSignal;
  /** Reports each step as it passes or fails, for `vigil doctor`. */
  onStep?: (step: ConnectStep, ok: boolean, detail: string) => void;
}

export interface RunResult {
  stdout: string;
  /** Exit status of the script's last command. */
  code: number;
}

export interface RunOptions {
  /** Default 20 s. */
  timeoutMs?: number;
  /** Variables set for this run only (names of capitals, digits and _), e.g. a probe's nonce. */
  env?: Record<string, string>;
  /** 'latin1': stdout kept byte for byte, one character per byte (default 'utf8'). */
  encoding?: 'utf8' | 'latin1';
  /**
   * A script of shell builtins that cannot hang, run often: run in a subshell of the control shell with
   * no `timeout` (which would cost two processes on the host), and sent once then run by name however
   * short it is.
   */
  builtin?: boolean;
}

/** What a background process started by startStream() writes, as it writes it. */
export interface SideStream {
  /** Each chunk, in order (none is delivered before the listener is set). */
  onData(listener: (chunk: Buffer) => void): void;
  /** The shell that carries the stream ended (a timeout, the connection): called once. */
  onEnd(listener: (why: string) => void): void;
  /** Stops listening. The process ends with its shell, or when told to by a script. */
  close(): void;
}

export interface SshSession {
  /** $HOME on the remote, learned at connect (used to resolve `~/` paths). */
  readonly home: string;
  /**
   * Runs a POSIX sh script in the long-lived control shell (no new exec per call). Calls are queued.
   * stderr of the script is merged into stdout. Rejects with SshError('channel') when no reply comes
   * within timeoutMs (default 20 s); the stuck channel is then discarded and a new one opened lazily.
   * A script of any size may be given: a long one goes through the shell's stdin, not an argument.
   */
  run(script: string, opts?: RunOptions): Promise<RunResult>;
  /**
   * Reads up to maxBytes of an absolute remote path from offset over SFTP (binary safe). Returns fewer
   * bytes at end of file, an empty array at or past it. Rejects with SshError('sftp', code) on failure.
   * With the file's inode (from the probe), the file may stay open between reads of the same inode.
   */
  read(path: string, offset: number, maxBytes: number, inode?: number): Promise<Uint8Array>;
  /**
   * Runs a short script (no remote timeout: what it starts in the background must outlive it) with fd 3
   * set to the control shell's stderr, which a process it starts may stream to. Queued like run().
   * Absent on sessions that cannot carry such a stream.
   */
  startStream?(script: string, opts?: RunOptions): Promise<{ result: RunResult; stream: SideStream }>;
  /** Closes the connection; idempotent. */
  close(): void;
  /** Called once when the connection ends for any reason other than close(). */
  onClose(listener: (err: SshError) => void): void;
  /** True until the connection has ended. */
  readonly alive: boolean;
}

export interface SshConnector {
  connect(host: ResolvedHost, opts?: ConnectOptions): Promise<SshSession>;
}
