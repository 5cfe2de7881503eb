// Host key checking against OpenSSH known_hosts files, the way `ssh` itself does it, so that a host the
// user already trusts in a terminal is trusted here, and a changed key is refused here as it is there.
// Format: sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT".

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The host field as written: a comma-separated pattern list, or one `|1|salt|hash` entry. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export interface HostKeyQuery {
  /** known_hosts files, in order; missing or unreadable files are skipped (and said so in messages). */
  files: string[];
  host: string;
  port: number;
  hostKeyAlias?: string | null;
  /** Used only to spell the fix command (`ssh -p PORT USER@HOST`). */
  user?: string;
  /** ProxyJump spec for the fix command (`ssh -J ...`); ssh-keyscan cannot go through a jump. */
  jump?: string;
}

export type HostKeyVerdict =
  | { ok: true; file: string; line: number }
  | { ok: false; kind: 'host-key-unknown' | 'host-key-mismatch'; message: string; fix: string };

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` and `ssh` print it. */
export function fingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string), or null when malformed. */
export function keyTypeOfBlob(blob: Uint8Array): string | null {
  if (blob.length < 4) return null;
  const len = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return null;
  return Buffer.from(blob.subarray(4, 4 + len)).toString('latin1');
}

/**
 * The name a host is recorded under: HostKeyAlias as is, else `host` for port 22 and `[host]:port`
 * otherwise (OpenSSH lowercases it too).
 */
export function lookupName(host: string, port: number, hostKeyAlias?: string | null): string {
  if (hostKeyAlias) return hostKeyAlias.toLowerCase();
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Parses one known_hosts file's text. Malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // an unknown marker: ssh ignores the line
    }
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64) continue;
    // Strict base64 check: Buffer.from silently drops junk, and a junk key must not match anything.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyB64)) continue;
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0) continue;
    entries.push({ file, line: i + 1, marker, hosts, keyType, key });
  }
  return entries;
}

/** OpenSSH's match_pattern: `*` any run, `?` one character, case-insensitive (names are lowercased). */
function globMatch(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  // Iterative glob with backtracking on the last `*`: linear enough for host names, no regex injection.
  let pi = 0;
  let ni = 0;
  let star = -1;
  let mark = 0;
  while (ni < name.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === name[ni])) {
      pi++;
      ni++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ni;
    } else if (star !== -1) {
      pi = star + 1;
      ni = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`: the form `ssh-keygen -H` and HashKnownHosts write. */
function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  if (salt.length !== 20 || want.length !== 20) return false;
  const got = createHmac('sha1', salt).update(name).digest();
  return timingSafeEqual(got, want);
}

/**
 * Whether an entry's host field names `name`: a hashed entry by HMAC, else a pattern list where any
 * positive pattern must match and no negated (`!`) pattern may.
 */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedMatch(hosts, name);
  let positive = false;
  for (const pat of hosts.split(',')) {
    if (pat === '') continue;
    if (pat.startsWith('!')) {
      if (globMatch(pat.slice(1), name)) return false;
    } else if (globMatch(pat, name)) {
      positive = true;
    }
  }
  return positive;
}

interface Loaded {
  entries: KnownHostEntry[];
  checked: string[];
}

function load(files: string[]): Loaded {
  const entries: KnownHostEntry[] = [];
  const checked: string[] = [];
  for (const file of files) {
    try {
      entries.push(...parseKnownHosts(readFileSync(file, 'utf8'), file));
      checked.push(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      checked.push(`${file} (${code === 'ENOENT' ? 'missing' : `unreadable: ${code ?? String(err)}`})`);
    }
  }
  return { entries, checked };
}

function entriesFor(q: HostKeyQuery, entries: KnownHostEntry[]): KnownHostEntry[] {
  const name = lookupName(q.host, q.port, q.hostKeyAlias);
  return entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
}

/**
 * Key types (as written in known_hosts, e.g. `ssh-ed25519`) already trusted for this host, in file order.
 * The connection offers these host-key algorithms first, as OpenSSH does: a host known by its ed25519 key
 * that is asked for RSA first would otherwise present an RSA key and look changed.
 */
export function knownKeyTypes(q: HostKeyQuery): string[] {
  const types: string[] = [];
  for (const e of entriesFor(q, load(q.files).entries)) {
    if (e.marker === null && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}

/** The single name to put in commands: the alias if one is used, else `[host]:port` or `host`. */
function displayName(q: HostKeyQuery): string {
  return q.hostKeyAlias ? q.hostKeyAlias : q.port === 22 ? q.host : `[${q.host}]:${q.port}`;
}

function sshCommand(q: HostKeyQuery): string {
  const parts = ['ssh'];
  if (q.hostKeyAlias) parts.push('-o', `HostKeyAlias=${q.hostKeyAlias}`);
  const userFile = q.files[0];
  if (userFile && userFile !== `${homedir()}/.ssh/known_hosts`)
    parts.push('-o', `UserKnownHostsFile=${userFile}`);
  if (q.jump) parts.push('-J', q.jump);
  parts.push('-p', String(q.port), q.user ? `${q.user}@${q.host}` : q.host);
  return parts.join(' ');
}

function quoteArg(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Checks the key a server presented against the known_hosts files. Never throws. */
export function checkHostKey(q: HostKeyQuery, presentedType: string, keyBlob: Uint8Array): HostKeyVerdict {
  const { entries, checked } = load(q.files);
  const mine = entriesFor(q, entries);
  const blob = Buffer.from(keyBlob);
  // The blob names the key's own type (`ssh-rsa`), even when the negotiated algorithm is `rsa-sha2-512`.
  const keyType = keyTypeOfBlob(blob) ?? presentedType;
  const presented = `${keyType} key ${fingerprint(blob)}`;
  const name = displayName(q);
  const target = q.hostKeyAlias ? `${q.hostKeyAlias} (${q.host}:${q.port})` : `${q.host}:${q.port}`;

  // A revoked key is refused whatever else is trusted, as ssh does.
  const revoked = mine.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) {
    return {
      ok: false,
      kind: 'host-key-mismatch',
      message:
        `host key of ${target} is REVOKED: it presented the ${presented}, which ${revoked.file}:${revoked.line} ` +
        'marks @revoked. Vigil will not connect.',
      fix: 'Ask the administrator of the host which key it should present now; do not remove the @revoked line.',
    };
  }

  const trusted = mine.filter((e) => e.marker === null);
  const match = trusted.find((e) => e.keyType === keyType && e.key.equals(blob));
  if (match) return { ok: true, file: match.file, line: match.line };

  if (trusted.length === 0) {
    const file = q.files[0] ?? `${homedir()}/.ssh/known_hosts`;
    const viaKeyscan = q.jump
      ? ''
      : ` Or fetch it with \`ssh-keyscan -p ${q.port} ${q.host}` +
        (q.hostKeyAlias ? ` | sed 's/^[^ ]*/${q.hostKeyAlias}/'` : '') +
        ` >> ${quoteArg(file)}\` after checking that \`ssh-keygen -lf\` of it shows ${fingerprint(blob)}.`;
    return {
      ok: false,
      kind: 'host-key-unknown',
      message:
        `host ${target} is not in known_hosts (checked: ${checked.join(', ') || 'no files'}); ` +
        `it presented the ${presented}.`,
      fix:
        `Run \`${sshCommand(q)}\` once, check that the fingerprint it shows is ${fingerprint(blob)}, ` +
        `and answer yes to record it.${viaKeyscan}`,
    };
  }

  // Known under other keys: either the same type with other bytes (a changed key) or only other types.
  const sameType = trusted.filter((e) => e.keyType === keyType);
  const shown = (sameType.length > 0 ? sameType : trusted)
    .map((e) => `${e.file}:${e.line} has ${e.keyType} key ${fingerprint(e.key)}`)
    .join('; ');
  const files = [...new Set(trusted.map((e) => e.file))];
  const removal = files.map((f) => `ssh-keygen -R ${quoteArg(name)} -f ${quoteArg(f)}`).join(' && ');
  const what =
    sameType.length > 0
      ? `the host presented the ${presented}`
      : `the host presented a ${keyType} key (${fingerprint(blob)}) but only other key types are known for it`;
  return {
    ok: false,
    kind: 'host-key-mismatch',
    message:
      `host key changed for ${target}: ${shown}; ${what}. ` +
      'This may be a reinstalled server or someone intercepting the connection. Vigil will not connect.',
    fix:
      'Confirm the new key with the administrator of the host, then remove the old one with ' +
      `\`${removal}\` and accept the new key with \`${sshCommand(q)}\`.`,
  };
}
