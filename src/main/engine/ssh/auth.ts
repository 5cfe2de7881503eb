// Authentication plan for ssh2: the agent first (it holds the keys the user unlocked), then each identity
// file that exists and can be used without a passphrase. Vigil never asks for a passphrase: an encrypted key
// is skipped and, if nothing else works, the error says to load it into the agent. No key material or
// passphrase ever goes into a message.

import { readFileSync } from 'node:fs';
import type { AuthenticationType, AuthHandlerMiddleware, NextAuthHandler, ParsedKey } from 'ssh2';
import ssh2 from 'ssh2';
import { SshError } from './types';

export interface SkippedKey {
  path: string;
  reason: 'encrypted' | 'unreadable' | 'invalid';
  detail: string;
}

export interface AuthPlan {
  user: string;
  /** The agent socket used, or null. */
  agent: string | null;
  /** Identity files that parsed as usable private keys, in order. */
  keys: { path: string; key: ParsedKey }[];
  /** Identity files that exist but cannot be used (missing files are not listed: ssh skips them too). */
  skipped: SkippedKey[];
  /** Filled as ssh2 consults the handler: what was actually offered to the server. */
  tried: string[];
  /** The methods the server said it accepts, learned from its last USERAUTH_FAILURE. */
  serverMethods: AuthenticationType[] | null;
}

export interface PlanOptions {
  user: string;
  identityFiles: string[];
  /** Defaults to SSH_AUTH_SOCK; pass null to use no agent. */
  agentSock?: string | null;
  readFile?: (path: string) => Buffer;
}

function isEncrypted(text: Buffer, err: Error): boolean {
  return /passphrase/i.test(err.message) || text.includes('BEGIN ENCRYPTED PRIVATE KEY');
}

export function planAuth(opts: PlanOptions): AuthPlan {
  const read = opts.readFile ?? ((p: string) => readFileSync(p));
  const agentSock = opts.agentSock === undefined ? process.env.SSH_AUTH_SOCK || null : opts.agentSock;
  const plan: AuthPlan = {
    user: opts.user,
    agent: agentSock,
    keys: [],
    skipped: [],
    tried: [],
    serverMethods: null,
  };
  for (const path of opts.identityFiles) {
    let data: Buffer;
    try {
      data = read(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      plan.skipped.push({ path, reason: 'unreadable', detail: code ?? 'cannot be read' });
      continue;
    }
    const parsed = ssh2.utils.parseKey(data);
    if (parsed instanceof Error) {
      if (isEncrypted(data, parsed)) {
        plan.skipped.push({ path, reason: 'encrypted', detail: 'protected by a passphrase' });
      } else {
        plan.skipped.push({ path, reason: 'invalid', detail: parsed.message });
      }
      continue;
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key?.isPrivateKey()) {
      plan.skipped.push({ path, reason: 'invalid', detail: 'not a private key (a .pub file?)' });
      continue;
    }
    plan.keys.push({ path, key });
  }
  return plan;
}

/**
 * The ssh2 `authHandler`: agent, then keys, then give up. A function rather than a list so that what was
 * offered and what the server accepts can be told to the user when it fails.
 */
export function authHandler(plan: AuthPlan): AuthHandlerMiddleware {
  const steps: { label: string; method: Parameters<NextAuthHandler>[0] }[] = [];
  if (plan.agent) {
    steps.push({ label: 'the ssh-agent', method: { type: 'agent', username: plan.user, agent: plan.agent } });
  }
  for (const { path, key } of plan.keys) {
    steps.push({ label: `key ${path}`, method: { type: 'publickey', username: plan.user, key } });
  }
  let i = 0;
  return (authsLeft, _partial, next) => {
    if (authsLeft) plan.serverMethods = authsLeft;
    // Skip what the server has said it does not accept: each refused attempt counts against MaxAuthTries.
    while (i < steps.length) {
      const step = steps[i++]!;
      const type = typeof step.method === 'string' ? step.method : step.method.type;
      const accepted = !authsLeft || authsLeft.includes(type === 'agent' ? 'publickey' : type);
      if (!accepted) continue;
      plan.tried.push(step.label);
      next(step.method);
      return;
    }
    next(false as unknown as Parameters<NextAuthHandler>[0]);
  };
}

/** The error for a failed authentication: names the target, what was tried, and the likely fix. */
export function authFailure(plan: AuthPlan, target: { user: string; host: string; port: number }): SshError {
  const where = `${target.user}@${target.host}:${target.port}`;
  const encrypted = plan.skipped.filter((s) => s.reason === 'encrypted');
  const broken = plan.skipped.filter((s) => s.reason !== 'encrypted');
  const tried = plan.tried.length > 0 ? plan.tried.join(', ') : 'nothing (no agent and no usable key file)';
  const parts = [`authentication failed for ${where}; tried: ${tried}.`];
  if (encrypted.length > 0) {
    parts.push(
      `Skipped ${encrypted.map((s) => s.path).join(', ')}: encrypted with a passphrase` +
        (plan.agent
          ? ' and not loaded in the ssh-agent.'
          : ' and no ssh-agent is running (SSH_AUTH_SOCK is unset).'),
    );
  }
  for (const b of broken) parts.push(`Skipped ${b.path}: ${b.reason} (${b.detail}).`);
  if (plan.serverMethods && !plan.serverMethods.includes('publickey')) {
    parts.push(`The server does not accept public keys (it offers: ${plan.serverMethods.join(', ')}).`);
  }
  const message = parts.join(' ');

  if (encrypted.length > 0) {
    const adds = encrypted.map((s) => `ssh-add ${s.path}`).join(' && ');
    const fix = plan.agent
      ? `Load the key into the agent: \`${adds}\`, then retry.`
      : `Start an agent and load the key: \`eval "$(ssh-agent)" && ${adds}\`, and start Vigil from that ` +
        'shell (or use a key without a passphrase for this host).';
    return new SshError('key', message, fix);
  }
  if (broken.length > 0 && plan.tried.length === 0) {
    return new SshError(
      'key',
      message,
      `Check the IdentityFile for this host: ${broken.map((b) => b.path).join(', ')}.`,
    );
  }
  return new SshError(
    'auth',
    message,
    `Check that ${target.user} is the right user for this host, and that your public key is in its ` +
      `~/.ssh/authorized_keys (\`ssh-copy-id -p ${target.port} ${where.replace(/:\d+$/, '')}\`).`,
  );
}
