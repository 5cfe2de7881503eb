// The real HTTP port: one POST with node's http/https, no redirects followed, one deadline from connect
// to the last byte (a receiver that accepts the connection and then hangs must not hold a delivery).
// Certificates are verified as always; errors keep their code (ECONNREFUSED, a TLS code) for judging.

import http from 'node:http';
import https from 'node:https';
import type { HttpPort, HttpRequest, HttpResponse } from './types';

const BODY_KEPT = 2048;

export const nodeHttp: HttpPort = (req: HttpRequest) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(req.url);
    const lib = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(req.body);
    let settled = false;
    const fail = (err: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(err);
    };
    const request = lib.request(
      url,
      {
        method: 'POST',
        headers: { ...req.headers, 'content-length': String(body.length), 'user-agent': 'vigil' },
        agent: false, // one connection per delivery: nothing kept open between rare alerts
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < BODY_KEPT) text += chunk;
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
          resolve({ status: res.statusCode ?? 0, headers, body: text.slice(0, BODY_KEPT) });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(
      () => fail(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })),
      req.timeoutMs,
    );
    request.on('error', fail);
    request.end(body);
  });
