import { describe, expect, it } from 'vitest';
import { ReadOrder } from './read-order';

/** A read that finishes when the test says so, logging when it starts and ends. */
function controlled(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => {
    finish = r;
  });
  const read = async () => {
    log.push(`start ${name}`);
    await done;
    log.push(`end ${name}`);
    return name;
  };
  return { read, finish };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ReadOrder', () => {
  it('reads run together while every path answers', async () => {
    const order = new ReadOrder();
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const pa = order.run('/a', a.read);
    const pb = order.run('/b', b.read);
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    a.finish();
    b.finish();
    await expect(Promise.all([pa, pb])).resolves.toEqual(['a', 'b']);
  });

  it('a path that hung is read alone: after the reads of the moment, and later reads wait for it', async () => {
    const order = new ReadOrder();
    order.markSlow('/stuck');
    const log: string[] = [];
    const stuck = controlled(log, 'stuck');
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const late = controlled(log, 'late');
    const ps = order.run('/stuck', stuck.read); // asked first
    const pa = order.run('/a', a.read);
    const pb = order.run('/b', b.read);
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    a.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'end a']); // still waits for b
    b.finish();
    await settle();
    await settle();
    expect(log.at(-1)).toBe('start stuck');
    const pl = order.run('/late', late.read); // arrives while the stuck path is out: waits
    await settle();
    expect(log.at(-1)).toBe('start stuck');
    stuck.finish();
    await settle();
    await settle();
    expect(log.slice(-2)).toEqual(['end stuck', 'start late']);
    late.finish();
    await expect(Promise.all([ps, pa, pb, pl])).resolves.toEqual(['stuck', 'a', 'b', 'late']);
  });

  it('a path that answers again is read with the others', async () => {
    const order = new ReadOrder();
    order.markSlow('/p');
    expect(order.isSlow('/p')).toBe(true);
    order.markAnswered('/p');
    const log: string[] = [];
    const p = controlled(log, 'p');
    const q = controlled(log, 'q');
    const pp = order.run('/p', p.read);
    const pq = order.run('/q', q.read);
    await settle();
    expect(log).toEqual(['start p', 'start q']);
    p.finish();
    q.finish();
    await Promise.all([pp, pq]);
  });

  it('a failing read does not keep the others waiting', async () => {
    const order = new ReadOrder();
    order.markSlow('/stuck');
    const failing = order.run('/stuck', async () => {
      throw new Error('no SFTP reply');
    });
    await expect(failing).rejects.toThrow('no SFTP reply');
    await expect(order.run('/a', async () => 'a')).resolves.toBe('a');
  });
});
