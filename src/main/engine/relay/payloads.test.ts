import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NotifyTarget } from '../config';
import { buildDelivery, messageText } from './payloads';
import type { RelayAlert } from './types';

const AT = '2026-11-29T03:12:00.000Z';
const T = Date.parse(AT);
const alert: RelayAlert = {
  key: 'I3D/stalled-mx1:stalled',
  kind: 'stalled',
  worker: 'I3D',
  workers: ['I3D'],
  message: 'no progress for 16 min (stallAfter 15m)',
  at: AT,
  views: [
    {
      name: 'I3D',
      host: 'ec2',
      status: 'stalled',
      reason: 'no progress for 16 min',
      epoch: 12,
      totalEpochs: 50,
      step: 1200,
      loss: 0.41234,
      lossMetric: 'loss',
      metrics: { loss: 0.41234, lr: 0.0003, grad: 'NaN' },
      lastProgressAt: '2026-11-29T02:56:00.000Z',
      lastContactAt: AT,
    },
  ],
};
const base = { id: 'x', label: 'x', kinds: [] as NotifyTarget['kinds'] };

describe('payloads', () => {
  it('ntfy: JSON publish to the server root with the topic, title, priority by kind, tags, click, token', () => {
    const t: NotifyTarget = {
      ...base,
      type: 'ntfy',
      url: 'https://ntfy.example/sub/vigil-3am',
      click: 'https://vigil.example/',
      kinds: [],
    };
    const d = buildDelivery(t, alert, 'tk_123456', T + 1000);
    expect(d).toMatchObject({
      kind: 'http',
      url: 'https://ntfy.example/sub/',
      headers: { authorization: 'Bearer tk_123456', 'idempotency-key': 'I3D/stalled-mx1:stalled' },
    });
    const body = JSON.parse(d.kind === 'http' ? d.body : '');
    expect(body).toEqual({
      topic: 'vigil-3am',
      title: 'I3D stalled',
      message:
        'no progress for 16 min (stallAfter 15m)\nec2 · epoch 12/50 · step 1200 · loss 0.4123 · last progress 2026-11-29 02:56 UTC',
      priority: 4,
      tags: ['hourglass', 'vigil', 'stalled'],
      click: 'https://vigil.example/',
    });
    const finished = buildDelivery({ ...t, priority: 'max' }, { ...alert, kind: 'finished' }, undefined, T);
    expect(JSON.parse(finished.kind === 'http' ? finished.body : '').priority).toBe(3);
    const failed = buildDelivery({ ...t, priority: 'max' }, { ...alert, kind: 'failed' }, undefined, T);
    expect(JSON.parse(failed.kind === 'http' ? failed.body : '').priority).toBe(5);
  });

  it('an alert sent late says so, with the time it happened', () => {
    expect(messageText(alert, T + 41 * 60_000)).toMatch(
      /\nSent late: it happened at 2026-11-29 03:12 UTC, 41 min before this message\.$/,
    );
    expect(messageText(alert, T + 30_000)).not.toMatch(/late/);
    const t: NotifyTarget = { ...base, type: 'ntfy', url: 'https://ntfy.sh/t', kinds: [] };
    const d = buildDelivery(t, alert, undefined, T + 3 * 3600_000);
    expect(JSON.parse(d.kind === 'http' ? d.body : '').title).toBe('(late) I3D stalled');
  });

  it('slack: readable text to the webhook URL (the secret), escaped', () => {
    const d = buildDelivery(
      { ...base, type: 'slack', webhook: { file: '/f' } },
      { ...alert, message: 'a <b> & c' },
      'https://hooks.slack.com/services/A/B/C',
      T,
    );
    expect(d).toMatchObject({ kind: 'http', url: 'https://hooks.slack.com/services/A/B/C' });
    expect(JSON.parse(d.kind === 'http' ? d.body : '')).toEqual({
      text: '*I3D stalled* — a &lt;b&gt; &amp; c\nec2 · epoch 12/50 · step 1200 · loss 0.4123 · last progress 2026-11-29 02:56 UTC',
    });
  });

  it('webhook: the alert and the worker snapshot as JSON, signed with an HMAC of the exact body', () => {
    const d = buildDelivery(
      { ...base, type: 'webhook', url: 'https://h.example/x', secret: { env: 'S' } },
      alert,
      'hmac-secret',
      T + 5000,
    );
    if (d.kind !== 'http') throw new Error('http expected');
    const body = JSON.parse(d.body);
    expect(body).toEqual({
      key: alert.key,
      alert: { kind: 'stalled', worker: 'I3D', workers: ['I3D'], message: alert.message, at: AT },
      workers: alert.views,
      sentAt: new Date(T + 5000).toISOString(),
      late: false,
    });
    expect(d.headers['x-vigil-signature']).toBe(
      `sha256=${createHmac('sha256', 'hmac-secret').update(d.body).digest('hex')}`,
    );
    const unsigned = buildDelivery(
      { ...base, type: 'webhook', url: 'https://h.example/x' },
      alert,
      undefined,
      T,
    );
    expect(unsigned.kind === 'http' && unsigned.headers['x-vigil-signature']).toBeUndefined();
  });

  it('command: argv as given, the same JSON on stdin; a non-ASCII key is percent-encoded in headers only', () => {
    const d = buildDelivery({ ...base, type: 'command', argv: ['/bin/page', '-t'] }, alert, undefined, T);
    expect(d).toMatchObject({ kind: 'command', argv: ['/bin/page', '-t'] });
    expect(JSON.parse(d.kind === 'command' ? d.stdin : '').key).toBe(alert.key);
    const k = buildDelivery(
      { ...base, type: 'webhook', url: 'https://h/' },
      { ...alert, key: 'Modèle/x:stalled' },
      undefined,
      T,
    );
    expect(k.kind === 'http' && k.headers['idempotency-key']).toBe('Mod%C3%A8le/x:stalled');
  });
});
