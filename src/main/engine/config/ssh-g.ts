// Pure helpers for `ssh -G` output: OpenSSH prints the effective configuration for a host, one
// "keyword value" line each (lower-case keywords), after evaluating Host/Match blocks and Include.
// Reading that output, instead of parsing ssh_config ourselves, gets every ssh_config feature right.

export interface SshG {
  hostname?: string;
  user?: string;
  port?: number;
  /** In order, as written (may hold `~` and %-tokens). */
  identityFiles: string[];
  knownHostsFiles: string[];
  hostKeyAlias: string | null;
  /** The raw ProxyJump value; null when none. */
  proxyJump: string | null;
}

export function parseSshG(stdout: string): SshG {
  const out: SshG = { identityFiles: [], knownHostsFiles: [], hostKeyAlias: null, proxyJump: null };
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    const value = match[2]!.trim();
    switch (key) {
      case 'hostname':
        out.hostname = value;
        break;
      case 'user':
        out.user = value;
        break;
      case 'port': {
        const port = Number(value);
        if (Number.isInteger(port) && port > 0 && port < 65_536) out.port = port;
        break;
      }
      case 'identityfile':
        out.identityFiles.push(value);
        break;
      case 'userknownhostsfile':
        out.knownHostsFiles.push(...value.split(/\s+/).filter((f) => f !== '' && f !== 'none'));
        break;
      case 'hostkeyalias':
        out.hostKeyAlias = value === 'none' ? null : value;
        break;
      case 'proxyjump':
        out.proxyJump = value === 'none' ? null : value;
        break;
    }
  }
  return out;
}

export interface JumpSpec {
  host: string;
  user?: string;
  port?: number;
}

/** Splits a ProxyJump value ("a,bob@b:2200,ssh://c") into hops, outermost first; "none" → []. */
export function parseProxyJump(value: string): JumpSpec[] {
  if (value.trim() === '' || value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((hop) => parseJumpSpec(hop.trim()));
}

/** One hop: `[user@]host[:port]`, `ssh://[user@]host[:port]`, or with a bracketed IPv6 address. */
export function parseJumpSpec(spec: string): JumpSpec {
  let rest = spec.replace(/^ssh:\/\//, '').replace(/\/$/, '');
  const out: JumpSpec = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    out.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(rest);
  const match = bracketed ?? plain;
  if (!match) throw new Error(`cannot read the ProxyJump hop "${spec}": write [user@]host[:port]`);
  out.host = match[1]!;
  if (match[2] !== undefined) out.port = Number(match[2]);
  return out;
}

export interface TokenValues {
  home: string;
  localUser: string;
  hostname: string;
  remoteUser: string;
  port: number;
  alias: string;
}

/** Expands `~` and the ssh_config tokens that appear in key and known_hosts paths (%d %u %h %r %p %n %%). */
export function expandSshPath(path: string, t: TokenValues): string {
  const tokens: Record<string, string> = {
    d: t.home,
    u: t.localUser,
    h: t.hostname,
    r: t.remoteUser,
    p: String(t.port),
    n: t.alias,
    '%': '%',
  };
  const expanded = path.replace(/%([duhrpn%])/g, (whole, c: string) => tokens[c] ?? whole);
  if (expanded === '~') return t.home;
  return expanded.startsWith('~/') ? `${t.home}/${expanded.slice(2)}` : expanded;
}
