// Secrets are read where they are kept (a file, an environment variable) at each use, so a rotated
// token works without a restart, and every secret read is remembered by the redactor: whatever the
// relay shows (UI, `vigil status`, logs, errors quoting a receiver's answer) passes through it first.

import { readFileSync } from 'node:fs';
import type { SecretRef } from '../config';

export class SecretError extends Error {
  override name = 'SecretError';
}

export interface SecretSources {
  env: Record<string, string | undefined>;
  readFile: (path: string) => string;
}

export const defaultSecretSources = (): SecretSources => ({
  env: process.env,
  readFile: (p) => readFileSync(p, 'utf8'),
});

/** The secret's value (trimmed); throws SecretError saying what to fix, never what the value is. */
export function readSecret(ref: SecretRef, key: string, sources: SecretSources, redactor: Redactor): string {
  let value: string | undefined;
  if ('file' in ref) {
    try {
      value = sources.readFile(ref.file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file — create it holding the secret (and chmod 600 it)'
          : code === 'EACCES'
            ? 'permission denied — Vigil runs as a user who cannot read it'
            : (code ?? 'unreadable');
      throw new SecretError(`cannot read ${key}File ${ref.file}: ${why}`);
    }
  } else {
    value = sources.env[ref.env];
    if (value === undefined)
      throw new SecretError(`the environment variable ${ref.env} (${key}Env) is not set`);
  }
  const secret = value.trim();
  if (secret === '')
    throw new SecretError(`${'file' in ref ? `${key}File ${ref.file}` : `${ref.env} (${key}Env)`} is empty`);
  redactor.add(secret);
  return secret;
}

/** Replaces every secret seen so far (and its URL-encoded and base64 forms) with "[redacted]". */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    // Very short values would redact ordinary words; nobody uses a 3-character token.
    if (secret.length < 4) return;
    this.secrets.add(secret);
    this.secrets.add(encodeURIComponent(secret));
    this.secrets.add(Buffer.from(secret).toString('base64'));
    // A webhook URL's path alone is as secret as the whole URL.
    try {
      const u = new URL(secret);
      if (u.pathname.length > 8) this.secrets.add(u.pathname);
    } catch {
      // not a URL
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is replaced whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length))
      out = out.split(s).join('[redacted]');
    return out;
  }
}
