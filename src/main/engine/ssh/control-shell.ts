// The control channel: one `sh` started once per connection and fed script after script. A fresh `exec`
// costs a login shell (100–200 ms where .bashrc starts conda); a script written to a running sh costs about
// a fork. Each script is followed by an end marker carrying its exit status, so replies are framed without
// relying on timing, and a random nonce keeps a script's own output from ever looking like a marker.

import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { shQuote } from './shell-quote';
import { type RunOptions, type RunResult, SshError } from './types';

/**
 * Run by the user's login shell, so it must parse in sh, bash, zsh and fish: `nice` keeps probes gentle on
 * a struggling host, `exec` leaves no login shell waiting; without `nice` a plain sh will do.
 */
export const CONTROL_COMMAND = 'command -v nice >/dev/null 2>&1 && exec nice -n 10 sh; exec sh';

/** Opens an exec channel; rejects on failure. The caller bounds the wait (a frozen host never answers). */
export function openExec(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
    } catch (err) {
      // ssh2 throws synchronously when the socket is no longer writable.
      reject(err);
    }
  });
}

interface Pending {
  /** "\n" + the end marker + " ": the exit status and a newline follow it. */
  needle: Buffer;
  chunks: Buffer[];
  received: number;
  /** The last bytes received, kept so a marker split across chunks is still found. */
  tail: Buffer;
  encoding: 'utf8' | 'latin1';
  resolve: (r: RunResult) => void;
  reject: (e: Error) => void;
}

const NEWLINE = 0x0a;

/** Scripts at least this long (or kept: a short one run every tick) are sent once per shell and then run by name (see command()). */
const CACHE_MIN_CHARS = 256;
const CACHE_MAX_CHARS = 64 * 1024;
const CACHE_ENTRIES = 4;

export class ControlShell {
  private readonly nonce = randomBytes(12).toString('hex');
  private seq = 0;
  /** Scripts this shell holds in exported variables, oldest first: script → variable name. */
  private readonly cached = new Map<string, string>();
  private cacheSeq = 0;
  private current: Pending | null = null;
  private ended = false;
  private endListeners: (() => void)[] = [];
  private readonly stderrListeners = new Set<(chunk: Buffer) => void>();

  constructor(
    private readonly channel: ClientChannel,
    /** Names the host in messages. */
    private readonly label: string,
  ) {
    channel.on('data', (chunk: Buffer) => this.onData(chunk));
    // stderr of the control sh itself (scripts merge theirs into stdout): always read, because ssh2 only
    // emits `close` on a channel whose streams have been consumed; a follower's stream when one listens.
    channel.stderr.on('data', (chunk: Buffer) => {
      for (const l of this.stderrListeners) l(chunk);
    });
    channel.on('error', () => this.onEnd('the control shell channel failed'));
    channel.on('exit', () => this.onEnd('the control shell exited'));
    channel.on('close', () => this.onEnd('the control shell channel closed'));
    channel.on('end', () => this.onEnd('the control shell channel ended'));
  }

  get dead(): boolean {
    return this.ended;
  }

  /** Called once when the channel ends for any reason (including destroy()). */
  onceEnded(listener: () => void): void {
    if (this.ended) queueMicrotask(listener);
    else this.endListeners.push(listener);
  }

  /** Listens to this shell's own stderr (where a script's background process may write). */
  onStderr(listener: (chunk: Buffer) => void): () => void {
    this.stderrListeners.add(listener);
    return () => this.stderrListeners.delete(listener);
  }

  /**
   * Runs one script. The caller serialises calls and bounds the wait. With `remoteTimeoutS` the script runs
   * under `timeout`, so a stuck command does not outlive Vigil's interest in it (remote processes survive a
   * closed channel). stdin is /dev/null so a script that reads stdin cannot swallow the next script.
   */
  run(
    script: string,
    remoteTimeoutS: number | null,
    opts: Omit<RunOptions, 'timeoutMs' | 'builtin'> & { stderrAs3?: boolean; keep?: boolean } = {},
  ): Promise<RunResult> {
    if (this.ended)
      return Promise.reject(new SshError('channel', `${this.label}: the control shell has ended`));
    if (this.current)
      throw new Error('ControlShell.run called while a script is running (calls must be queued)');
    const marker = `__VIGIL_${this.nonce}_${++this.seq}__`;
    let line: string;
    try {
      line = `${this.command(script, remoteTimeoutS, opts.env ?? {}, opts.stderrAs3 === true, opts.keep === true)}; printf '\\n%s %s\\n' '${marker}' "$?"\n`;
    } catch (err) {
      return Promise.reject(new SshError('channel', `cannot run script: ${(err as Error).message}`));
    }
    return new Promise<RunResult>((resolve, reject) => {
      this.current = {
        needle: Buffer.from(`\n${marker} `, 'latin1'),
        chunks: [],
        received: 0,
        tail: Buffer.alloc(0),
        encoding: opts.encoding ?? 'utf8',
        resolve,
        reject,
      };
      this.channel.write(line);
    });
  }

  /**
   * The command line that runs `script`. A script run every poll (the probe) is sent once and kept in a
   * variable of this shell; later polls send its name only, so the bytes on the wire per poll do not grow
   * with the script. `sh -c` (or a subshell) isolates the script: its `exit`, `cd`, `set -e` or a syntax
   * error cannot end or alter the control shell, and the quoted script always parses so the marker runs.
   */
  private command(
    script: string,
    remoteTimeoutS: number | null,
    env: Record<string, string>,
    stderrAs3: boolean,
    keep: boolean,
  ): string {
    const vars = Object.entries(env).map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`bad variable name ${JSON.stringify(k)}`);
      return `${k}=${shQuote(v)}`;
    });
    const { define, name, quoted, viaStdin } = this.cache(script, keep);
    if (remoteTimeoutS === null) {
      // A subshell: the shell parses the text itself, so no exec argument limit applies.
      const exports = vars.map((v) => `${v}; export ${v.slice(0, v.indexOf('='))}; `).join('');
      // `3>&2` first: fd 3 is then the channel's stderr, for a background process that streams there.
      const fd3 = stderrAs3 ? '3>&2 ' : '';
      return `${define}(${exports}eval ${name === null ? quoted : `"$${name}"`}) ${fd3}</dev/null 2>&1`;
    }
    const prefix = vars.map((v) => `${v} `).join('');
    const timeout = `${prefix}timeout -k 2 ${remoteTimeoutS} sh`;
    // Linux caps one exec argument (and one environment string) at 128 KiB: a longer script is piped
    // into the shell's stdin from a variable that is not exported, wrapped so its commands read /dev/null.
    if (viaStdin) return `${define}printf '%s\\n' "$${name}" | ${timeout} -s 2>&1`;
    const command = name === null ? quoted : `'eval "$${name}"'`;
    return `${define}${timeout} -c ${command} </dev/null 2>&1`;
  }

  /**
   * The variable that holds the script (null: send it whole, for short scripts), with the assignment to
   * prepend the first time. Up to CACHE_MAX_CHARS it is exported and run by `sh -c 'eval "$V"'`; a longer
   * one is kept unexported and piped into `sh -s` (viaStdin). The oldest of CACHE_ENTRIES is unset.
   */
  private cache(
    script: string,
    keep: boolean,
  ): { define: string; name: string | null; quoted: string; viaStdin: boolean } {
    if (script.length < CACHE_MIN_CHARS && !keep)
      return { define: '', name: null, quoted: shQuote(script), viaStdin: false };
    const viaStdin = script.length > CACHE_MAX_CHARS;
    let name = this.cached.get(script);
    if (name) {
      this.cached.delete(script); // most recently used goes last
      this.cached.set(script, name);
      return { define: '', name, quoted: '', viaStdin }; // run by name: the quoted text is not needed
    }
    name = `VIGIL_S${++this.cacheSeq}`;
    const quoted = shQuote(viaStdin ? `{\n${script}\n} </dev/null` : script);
    let define = viaStdin ? `${name}=${quoted}; ` : `${name}=${quoted}; export ${name}; `;
    if (this.cached.size >= CACHE_ENTRIES) {
      const [oldest, oldName] = this.cached.entries().next().value as [string, string];
      this.cached.delete(oldest);
      define = `unset ${oldName}; ${define}`;
    }
    this.cached.set(script, name);
    return { define, name, quoted, viaStdin };
  }

  private onData(chunk: Buffer): void {
    const p = this.current;
    // Output with no script running is stray (a background job of an earlier script): drop it.
    if (!p) return;
    const window = p.tail.length === 0 ? chunk : Buffer.concat([p.tail, chunk]);
    const before = p.received - p.tail.length; // absolute offset of window[0]
    p.chunks.push(chunk);
    p.received += chunk.length;
    // Byte search: binary output cannot break it, and nothing is decoded until the marker is found.
    const at = window.indexOf(p.needle);
    const end = at < 0 ? -1 : window.indexOf(NEWLINE, at + p.needle.length);
    const status = end < 0 ? '' : window.toString('latin1', at + p.needle.length, end);
    if (/^\d+$/.test(status)) {
      this.current = null;
      const all = p.chunks.length === 1 ? chunk : Buffer.concat(p.chunks, p.received);
      const stdout = all.subarray(0, before + at).toString(p.encoding);
      p.resolve({ stdout, code: Number(status) });
      return;
    }
    // Keep enough to find a marker split across chunks: "\n" + marker + " " + status digits + "\n".
    const keep = at >= 0 && end < 0 ? window.length - at : p.needle.length + 16;
    p.tail = window.length > keep ? window.subarray(window.length - keep) : window;
  }

  private onEnd(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    const p = this.current;
    this.current = null;
    p?.reject(new SshError('channel', `${this.label}: ${reason} before the script finished`));
    const listeners = this.endListeners;
    this.endListeners = [];
    for (const l of listeners) l();
  }

  /** Abandons the channel (after a timeout, or at close): the pending script is rejected with `err`. */
  destroy(err?: SshError): void {
    if (err && this.current) {
      const p = this.current;
      this.current = null;
      p.reject(err);
    }
    this.onEnd('the control shell was closed');
    try {
      // close() sends CHANNEL_CLOSE; on a frozen host no reply comes, which is fine: we no longer wait.
      this.channel.close();
    } catch {
      // Already closed, or the connection is gone.
    }
  }
}
