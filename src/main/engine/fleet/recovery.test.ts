// A recovery after a silence is told once what arrived meanwhile has been read: with the newest values.

import { describe, expect, it } from 'vitest';
import { scenario, watch } from '../../../../test/support/fleet-scenario';
import { SshError } from '../ssh';

describe('recovery after a silent host', () => {
  it('is announced after the back-fill, with how long, how many records and the newest epoch', async () => {
    const s = scenario();
    // Records heavy enough that the back-fill takes several reads (256 KiB per file per read at least).
    const pad = 'x'.repeat(20_000);
    const line = (e: number) => `{"epoch": ${e}, "step": ${e * 10}, "loss": ${1 / e}, "note": "${pad}"}\n`;
    s.append('m.jsonl', [1, 2, 3].map(line).join(''));
    const cfg = s.config('  - { name: MagVIT, host: gpu, dir: $DIR, metrics: m.jsonl, totalEpochs: 200 }');
    const { fleet, alerts, worker, advance } = await watch(s, cfg, { maxBytesPerTick: 64 << 10 });
    expect(worker()).toMatchObject({ status: 'running', epoch: 3 });

    s.conn.sessions[0]!.drop(Object.assign(new Error('keepalive timeout'), { kind: 'lost' }) as never);
    expect(worker().status).toBe('unreachable');
    // Silent for a while; the run goes on meanwhile.
    s.clock.jump(75_000);
    s.append('m.jsonl', Array.from({ length: 26 }, (_, i) => line(4 + i)).join(''));
    await advance(2000);
    expect(worker()).toMatchObject({ status: 'running', epoch: 29, records: 29 });
    // Told once, for the host (its workers share the cause), never with the values from before.
    expect(alerts.filter((a) => a.kind === 'recovered')).toEqual([]);
    const back = alerts.filter((a) => a.kind === 'back');
    expect(back).toHaveLength(1);
    expect(back[0]!.message).toMatch(
      /^gpu: back after 1 min of silence \(\d\d:\d\d–\d\d:\d\d\): records back-filled: MagVIT 26 \(now epoch 29\/200\)$/,
    );
    await fleet.stop();
  });

  it('a restart during the silence still tells its end: the worker recovers when the host answers', async () => {
    const s = scenario();
    s.append('m.jsonl', '{"epoch": 1, "loss": 1}\n');
    const cfg = s.config('  - { name: MagVIT, host: gpu, dir: $DIR, metrics: m.jsonl }');
    const first = await watch(s, cfg);
    expect(first.worker().status).toBe('running');
    // The host freezes: the connection is lost and no new one gets through.
    const connect = s.conn.connect;
    s.conn.connect = async () => {
      throw new SshError('timeout', 'no answer within 15 s');
    };
    s.conn.sessions[0]!.drop(Object.assign(new Error('keepalive timeout'), { kind: 'lost' }) as never);
    await first.advance(1000);
    expect(first.alerts.map((a) => a.kind)).toEqual(['unreachable']);
    s.conn.connect = connect;
    await first.fleet.stop();
    // Vigil restarts; the host answers at once. The episode restored from disk must not end in silence.
    s.clock.jump(60_000);
    s.append('m.jsonl', '{"epoch": 2, "loss": 0.5}\n');
    const second = await watch(s, cfg);
    await second.advance(2000);
    expect(second.worker().status).toBe('running');
    const ends = second.alerts.filter((a) => a.kind === 'recovered' || a.kind === 'back');
    expect(ends).toHaveLength(1);
    await second.fleet.stop();
  });
});
