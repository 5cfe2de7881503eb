import { describe, expect, it } from 'vitest';
import { backoffDelay, judgeCommand, judgeError, judgeHttp, parseRetryAfter, RETRY } from './backoff';

const NOW = Date.parse('2026-11-29T03:00:00Z');
const res = (status: number, headers: Record<string, string> = {}, body = '') => ({ status, headers, body });
const fixed = (r: number) => () => r;

describe('backoff', () => {
  it('doubles from 2 s up to 5 min, with half of each delay random', () => {
    const lows = [1, 2, 3, 4, 5, 20].map((n) => backoffDelay(n, fixed(0)));
    const highs = [1, 2, 3, 4, 5, 20].map((n) => backoffDelay(n, fixed(1)));
    expect(lows).toEqual([1000, 2000, 4000, 8000, 16000, RETRY.capMs / 2]);
    expect(highs).toEqual([2000, 4000, 8000, 16000, 32000, RETRY.capMs]);
  });

  it('reads Retry-After as seconds or a date, bounded to [1 s, 1 h]', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter('0', NOW)).toBe(1000);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter('86400', NOW)).toBe(RETRY.retryAfterMaxMs);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
  });
});

describe('judging an attempt', () => {
  const advice = { secret: 'tokenFile' };

  it('2xx is delivered', () => {
    expect(judgeHttp(res(200), 1, NOW, fixed(0.5), advice)).toEqual({ delivered: true });
    expect(judgeHttp(res(204), 1, NOW, fixed(0.5), advice)).toEqual({ delivered: true });
  });

  it('429 and 503 wait as long as the receiver asks', () => {
    const v = judgeHttp(res(429, { 'retry-after': '30' }), 1, NOW, fixed(0.5), advice);
    expect(v).toMatchObject({ delivered: false, retryInMs: 30_000, giveUp: false });
    expect(v.delivered || v.error).toMatch(/HTTP 429: rate limited; retrying after 30 s as it asked/);
    expect(judgeHttp(res(503), 3, NOW, fixed(0), advice)).toMatchObject({ retryInMs: 4000 });
  });

  it('names the status and what to do, quoting the start of the answer', () => {
    const denied = judgeHttp(res(401, {}, '{"code":40101,"error":"unauthorized"}'), 1, NOW, fixed(0), advice);
    expect(denied.delivered || denied.error).toBe(
      'HTTP 401: the receiver refused the credentials — check the secret in tokenFile; retrying in 1 s (the receiver said: {"code":40101,"error":"unauthorized"})',
    );
    const gone = judgeHttp(res(404, {}, 'no_team'), 1, NOW, fixed(0), { secret: 'webhookFile' });
    expect(gone.delivered || gone.error).toMatch(
      /^HTTP 404: .*revoked webhook: make a new one and put it in webhookFile/,
    );
    expect(judgeHttp(res(500), 1, NOW, fixed(0), advice)).toMatchObject({ giveUp: false });
    expect(judgeHttp(res(302, { location: 'x' }), 1, NOW, fixed(0), advice)).toMatchObject({
      error: expect.stringMatching(/redirects are not followed/),
    });
  });

  it('a receiver refusing this very alert is tried a few times, then it is given up', () => {
    expect(judgeHttp(res(400), RETRY.rejectedAttempts - 1, NOW, fixed(0), advice)).toMatchObject({
      giveUp: false,
    });
    expect(judgeHttp(res(413), RETRY.rejectedAttempts, NOW, fixed(0), advice)).toMatchObject({
      giveUp: true,
    });
  });

  it('no answer at all: refused, unresolvable, timed out, TLS — each says what to check', () => {
    const e = (code: string, message = code) => {
      const v = judgeError({ code, message }, 1, fixed(0));
      return v.delivered ? '' : v.error;
    };
    expect(e('ECONNREFUSED')).toMatch(/^connection refused — is the receiver running/);
    expect(e('ENOTFOUND')).toMatch(/offline, or a wrong url/);
    expect(e('ETIMEDOUT')).toMatch(/^no answer within 15 s/);
    expect(e('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate')).toMatch(
      /^TLS: self-signed certificate — the receiver's certificate is not trusted .*NODE_EXTRA_CA_CERTS/,
    );
  });

  it('a command: exit 0 delivered; otherwise how it ended and its stderr', () => {
    expect(judgeCommand({ code: 0, signal: null, stderr: '' }, 1, fixed(0))).toEqual({ delivered: true });
    expect(judgeCommand({ code: 3, signal: null, stderr: 'no route\n' }, 1, fixed(0))).toMatchObject({
      error: 'the command exited with 3: no route; retrying in 1 s',
    });
    expect(judgeCommand({ code: null, signal: 'SIGKILL', stderr: '' }, 1, fixed(0))).toMatchObject({
      error: expect.stringMatching(/^the command did not finish within 15 s/),
    });
  });
});
