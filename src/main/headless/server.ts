// `vigil serve`'s front door: the built renderer over HTTP, the contract over a WebSocket, and
// Prometheus's `/metrics`, on 127.0.0.1 unless `--listen` says otherwise. A token guards everything
// (in the page URL, or `Authorization: Bearer` for /metrics and /api/status); on loopback the Host
// header check stops DNS rebinding; the Origin check stops other web pages from opening the socket.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type ChannelMessage, serveBackend, type Transport } from '../../shared/channel';
import { createWebSocketTransport, type WebSocketLike } from '../../shared/channel-websocket';
import type { ContractBackend } from '../../shared/contract';
import { serveStatic } from './static-files';
import { newToken, tokenMatches } from './token';

export const WS_PATH = '/ws';

export interface HeadlessServerOptions {
  backend: ContractBackend;
  /** 0 or absent: a free port. */
  port?: number;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Absent: a fresh random token. */
  token?: string;
  /** The `vigil status --json` object (fleet/status-json.ts, README.md), for GET /api/status. */
  statusJson: () => unknown | Promise<unknown>;
  /** The Prometheus exposition for GET /metrics; absent: no /metrics. */
  metrics?: () => string | Promise<string>;
  /** The address to listen on (default 127.0.0.1); another only by `vigil serve --listen`. */
  host?: string;
  /** Why the config did not load, if it did not: /api/status then answers 503 with it. */
  configError?: () => string | null;
}

/**
 * Replies a client has not read, in bytes, before its socket is dropped: a client that asked for 300
 * series without reading had made the server hold 3.1 GB of them.
 */
export const MAX_QUEUED_BYTES = 16 << 20;
/** Requests received and not yet taken up, per socket (each is small; a flood of them is not). */
const MAX_WAITING_REQUESTS = 10_000;

export interface HeadlessServer {
  port: number;
  token: string;
  /** http://127.0.0.1:PORT/?token=… — the address to open. */
  url: string;
  /** The address listened on. */
  host: string;
  close(): Promise<void>;
}

export function contentSecurityPolicy(port: number, socketHost = `${HOST}:${port}`): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://${socketHost}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const HOST = '127.0.0.1';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A Host header that names a host and port and nothing else (it is echoed into the CSP). */
const PLAIN_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** `Authorization: Bearer <token>` → the token, else null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

export async function startServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const token = options.token ?? newToken();
  const host = options.host ?? HOST;
  // On loopback only this machine's names are accepted (DNS rebinding); elsewhere every name the
  // machine is reached by is fine, and the token is what guards it.
  const loopback = isLoopback(host);
  let port = 0;
  const hostAllowed = (req: IncomingMessage): boolean => {
    const h = req.headers.host ?? '';
    if (loopback) return h === `${HOST}:${port}` || h === `localhost:${port}` || h === `${host}:${port}`;
    return PLAIN_HOST.test(h);
  };
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin ?? '';
    if (loopback) return [HOST, 'localhost', host].some((name) => origin === `http://${name}:${port}`);
    return origin !== '' && origin === `http://${req.headers.host ?? ''}`;
  };

  const http = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error');
      else res.destroy();
    });
  });

  function send(res: ServerResponse, status: number, type: string, body: string): void {
    res.statusCode = status;
    res.setHeader('Content-Type', type);
    res.end(body);
  }

  function json(res: ServerResponse, status: number, value: unknown): void {
    res.setHeader('Cache-Control', 'no-store');
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ok = hostAllowed(req);
    res.setHeader(
      'Content-Security-Policy',
      contentSecurityPolicy(port, loopback || !ok ? `${HOST}:${port}` : req.headers.host),
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    // The token rides in the page URL: never send it on in a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!ok) return send(res, 421, 'text/plain; charset=utf-8', 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    }
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const bearer = bearerToken(req.headers.authorization);
    if (url.pathname === '/metrics' && options.metrics) {
      // Prometheus sends the token as `authorization: { credentials_file }` (a Bearer header).
      if (!tokenMatches(token, bearer)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="vigil"');
        return send(
          res,
          401,
          'text/plain; charset=utf-8',
          'missing or wrong token (Authorization: Bearer …)\n',
        );
      }
      res.setHeader('Cache-Control', 'no-store');
      return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await options.metrics());
    }
    if (url.pathname === '/api/status') {
      if (!tokenMatches(token, bearer ?? url.searchParams.get('token')))
        return json(res, 401, { error: 'missing or wrong token' });
      const body = await options.statusJson();
      const configError = options.configError?.() ?? null;
      // A config that does not load is no empty fleet: say so, as an error.
      if (configError !== null) return json(res, 503, { ...(body as object), configError });
      return json(res, 200, body);
    }
    if (url.pathname.startsWith('/api/')) return json(res, 404, { error: 'not found' });
    if (await serveStatic(options.staticDir, url.pathname, res, req.method === 'HEAD')) return;
    send(res, 404, 'text/plain; charset=utf-8', 'not found');
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

  function refuse(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    if (!hostAllowed(req)) return refuse(socket, 421, 'Misdirected Request');
    // Browsers always send Origin on a WebSocket handshake; a page from anywhere else is refused.
    if (!originAllowed(req)) return refuse(socket, 403, 'Forbidden');
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const transport = boundedRequests(createWebSocketTransport(boundedSocket(ws)), ws);
      const server = serveBackend(transport, options.backend);
      ws.on('close', () => server.dispose());
      ws.on('error', () => ws.terminate());
    });
  });

  /** The socket as the transport sees it: a send past MAX_QUEUED_BYTES unread drops the client. */
  function boundedSocket(ws: WebSocket): WebSocketLike {
    const like = ws as unknown as WebSocketLike;
    return {
      get readyState() {
        return ws.readyState;
      },
      send(data: string) {
        if (ws.bufferedAmount + data.length > MAX_QUEUED_BYTES) {
          ws.terminate();
          throw new Error('the client does not read its replies: dropped');
        }
        ws.send(data);
      },
      close: (code, reason) => ws.close(code, reason),
      addEventListener: (type, listener) => like.addEventListener(type, listener),
      removeEventListener: (type, listener) => like.removeEventListener(type, listener),
    };
  }

  /**
   * Requests taken up one per turn of the event loop, not all in the one callback that delivers a burst:
   * a reply is queued (and counted by boundedSocket) before the next request is computed, so a client
   * that does not read is dropped after MAX_QUEUED_BYTES of replies, not after computing them all.
   */
  function boundedRequests(transport: Transport, ws: WebSocket): Transport {
    const waiting: unknown[] = [];
    let draining = false;
    const open = () => ws.readyState === ws.OPEN;
    return {
      send: (message: ChannelMessage) => transport.send(message),
      onMessage(listener) {
        const drain = () => {
          const next = waiting.shift();
          if (next === undefined || !open()) {
            waiting.length = 0;
            draining = false;
            return;
          }
          listener(next);
          setImmediate(drain);
        };
        return transport.onMessage((message) => {
          if (!open()) return;
          if (waiting.push(message) > MAX_WAITING_REQUESTS) {
            ws.terminate();
            return;
          }
          if (!draining) {
            draining = true;
            setImmediate(drain);
          }
        });
      },
    };
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address();
  port = typeof address === 'object' && address ? address.port : 0;

  // Listening on every interface: the address to open is this machine's name, not 0.0.0.0.
  const shown = host === '0.0.0.0' || host === '::' ? os.hostname() : isIP(host) === 6 ? `[${host}]` : host;
  return {
    port,
    token,
    host,
    url: `http://${shown}:${port}/?token=${encodeURIComponent(token)}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
