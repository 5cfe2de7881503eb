import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTBOX_FILE, Outbox } from './outbox';
import type { RelayAlert } from './types';

const alert = (n: number): RelayAlert => ({
  key: `w${n}/stalled-${n}:stalled`,
  kind: 'stalled',
  worker: `w${n}`,
  workers: [`w${n}`],
  message: 'no progress for 16 min',
  at: new Date(1_800_000_000_000 + n).toISOString(),
  views: [],
});
const dir = () => mkdtempSync(path.join(os.tmpdir(), 'vigil-outbox-'));

describe('Outbox', () => {
  it('what was added and not sent is owed again after a reopen; what was sent is not', () => {
    const d = dir();
    const a = Outbox.open(d);
    a.add(alert(1), ['ntfy', 'slack'], 1);
    a.add(alert(2), ['ntfy'], 2);
    a.sent(alert(1).key, 'ntfy', 3);
    a.sent(alert(2).key, 'ntfy', 4);
    // No close: as after kill -9 (every record was fsynced when it was written).
    const b = Outbox.open(d);
    expect(b.entries().map((e) => [e.alert.key, e.pending])).toEqual([[alert(1).key, ['slack']]]);
    b.close();
    a.close();
  });

  it('a line torn by a crash mid-write is cut off, and the next record is intact', () => {
    const d = dir();
    const a = Outbox.open(d);
    a.add(alert(1), ['t'], 1);
    a.close();
    appendFileSync(path.join(d, OUTBOX_FILE), '{"op":"sent","key":"w1/stal');
    const b = Outbox.open(d);
    expect(b.entries()).toHaveLength(1);
    b.add(alert(2), ['t'], 2);
    b.close();
    const c = Outbox.open(d);
    expect(c.entries().map((e) => e.alert.key)).toEqual([alert(1).key, alert(2).key]);
    c.close();
  });

  it('is bounded: the oldest alert is dropped and counted for each target it still owed', () => {
    const d = dir();
    const o = Outbox.open(d, 3);
    for (let n = 1; n <= 5; n++) o.add(alert(n), ['a', 'b'], n);
    o.sent(alert(3).key, 'a', 6);
    expect(o.entries().map((e) => e.alert.worker)).toEqual(['w3', 'w4', 'w5']);
    expect(o.dropped()).toEqual({ a: 2, b: 2 });
    o.close();
    const again = Outbox.open(d, 3);
    expect(again.dropped()).toEqual({ a: 2, b: 2 });
    expect(again.entries()[0]!.pending).toEqual(['b']);
    again.close();
  });

  it('compacts: the file shrinks to what is owed and says the same after a reopen', () => {
    const d = dir();
    const o = Outbox.open(d);
    for (let n = 0; n < 400; n++) {
      o.add(alert(n), ['t'], n);
      if (n % 10 !== 0) o.sent(alert(n).key, 't', n);
    }
    o.drop(alert(0).key, 't', 'refused by the receiver');
    const lines = readFileSync(path.join(d, OUTBOX_FILE), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(400);
    o.close();
    const again = Outbox.open(d);
    expect(again.entries().map((e) => e.alert.worker)).toEqual(
      Array.from({ length: 39 }, (_, i) => `w${(i + 1) * 10}`),
    );
    expect(again.dropped()).toEqual({ t: 1 });
    again.close();
  });

  it('the same key is not added twice while it waits; garbage lines are skipped', () => {
    const d = dir();
    writeFileSync(path.join(d, OUTBOX_FILE), 'not json\n{"op":"future-kind"}\n');
    const o = Outbox.open(d);
    o.add(alert(1), ['t'], 1);
    o.add(alert(1), ['t'], 2);
    expect(o.entries()).toHaveLength(1);
    o.close();
  });
});
