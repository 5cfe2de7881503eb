// A local HTTP(S) receiver for relay tests and the bench: records every request (with the alert's
// idempotency key), answers as the test says (a status, a hang, a cut connection), and counts how many
// times it saw each key — raw, and as a receiver that de-duplicates by key would deliver them.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The idempotency key (decoded), or null. */
  key: string | null;
  at: number;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | 'hang'
  | 'reset';

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Times each key arrived (raw, without de-duplication). */
  seen(): Map<string, number>;
  /** Keys a de-duplicating receiver acted on: each once, in arrival order. */
  delivered(): string[];
  /** How the next requests are answered (default: 200). */
  reply(fn: (req: Received, index: number) => Reply): void;
  close(): Promise<void>;
}

export async function startReceiver(
  opts: { tls?: { key: string; cert: string }; port?: number } = {},
): Promise<Receiver> {
  const requests: Received[] = [];
  let replyFn: (req: Received, index: number) => Reply = () => ({ status: 200, body: 'ok' });
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const raw = req.headers['idempotency-key'];
      const rec: Received = {
        url: req.url ?? '',
        headers: req.headers,
        body,
        key: typeof raw === 'string' ? decodeURI(raw) : null,
        at: Date.now(),
      };
      requests.push(rec);
      const reply = replyFn(rec, requests.length - 1);
      if (reply === 'hang') return;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  };
  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
    : http.createServer(handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    seen() {
      const m = new Map<string, number>();
      for (const r of requests) if (r.key) m.set(r.key, (m.get(r.key) ?? 0) + 1);
      return m;
    },
    delivered() {
      return [...new Set(requests.map((r) => r.key).filter((k): k is string => k !== null))];
    },
    reply(fn) {
      replyFn = fn;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A self-signed certificate for 127.0.0.1, made with openssl (nobody trusts it). */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}
