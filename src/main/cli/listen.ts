// `vigil serve --listen ADDR` and `--token-file FILE`: where to bind beyond 127.0.0.1 (only when asked
// for, by name), and a token that stays the same across restarts (Prometheus reads it from a file).

import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { newToken } from '../headless/token';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** "0.0.0.0:9464", "[::]:9464", "100.64.0.7", "vigil.lan:8080" → host and optional port. */
export function parseListen(value: string): { host: string; port?: number } {
  let host = value;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
    if (isIP(host) !== 6) throw new UsageError(`--listen ${value}: "${host}" is not an IPv6 address`);
  } else if (isIP(value) !== 6) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(value);
    if (!m) throw new UsageError(`--listen ${value}: expected HOST or HOST:PORT (IPv6 as [ADDR]:PORT)`);
    host = m[1]!;
    port = m[2];
    if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))
      throw new UsageError(`--listen ${value}: "${host}" is neither an address nor a host name`);
  }
  if (port === undefined) return { host };
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--listen ${value}: a port is a whole number from 0 to 65535`);
  return { host, port: n };
}

/**
 * The token kept in `file`: read (trimmed), or made and written (mode 600) when the file does not exist.
 * `note` says what happened for the user; the token itself is never printed.
 */
export function tokenFromFile(file: string, note: (s: string) => void): string {
  if (!existsSync(file)) {
    const token = newToken();
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    note(`vigil serve: wrote a new token to ${file} (give Prometheus the same file as credentials_file)`);
    return token;
  }
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16 || /\s/.test(token))
    throw new UsageError(
      `--token-file ${file}: the token must be one word of at least 16 characters (delete the file and Vigil writes a fresh one)`,
    );
  if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
    note(`vigil serve: ${file} was readable by other users; it is now mode 600`);
  }
  return token;
}
