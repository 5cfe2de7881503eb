import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { InflightRequests } from './inflight';
import { SftpReads } from './sftp-reads';

/** A fake SFTP channel: each read waits until the test answers it (or never). */
function fakeChannel(id: string) {
  const c = {
    id,
    ended: false,
    end: () => {
      c.ended = true;
    },
  };
  return c as unknown as SFTPWrapper & { id: string; ended: boolean };
}

function setup() {
  let n = 0;
  const channels: (SFTPWrapper & { id: string; ended: boolean })[] = [];
  let current: Promise<SFTPWrapper> | null = null;
  const discarded: string[] = [];
  const hung: string[] = [];
  let clock = 1_000_000;
  const alone: string[] = [];
  const reads = new SftpReads({
    shared: {
      get() {
        if (!current) {
          const c = fakeChannel(`shared${++n}`);
          channels.push(c);
          current = Promise.resolve(c);
        }
        return current;
      },
      discard(ch) {
        if (current === ch) current = null;
        void ch.then((c) => discarded.push((c as unknown as { id: string }).id));
      },
    },
    openAlone: async () => {
      const c = fakeChannel(`alone${++n}`);
      channels.push(c);
      alone.push(c.id);
      return c;
    },
    inflight: new InflightRequests(),
    timeoutMs: 150,
    waitAloneMs: 30,
    hostName: 'gpu',
    onHung: (p) => hung.push(p),
    now: () => clock,
  });
  /** Paths whose reads never answer; the rest answer with "<path>@<channel>". */
  const stuck = new Set<string>();
  const late = new Map<string, number>();
  const run = (path: string) => async (s: SFTPWrapper) => {
    const id = (s as unknown as { id: string }).id;
    if (stuck.has(path)) return new Promise<Uint8Array>(() => {});
    const delay = late.get(path);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    return new Uint8Array(Buffer.from(`${path}@${id}`));
  };
  const read = (path: string, offset = 0) =>
    reads.read({ path, offset, maxBytes: 100 }, run(path), run(path)).then((b) => Buffer.from(b).toString());
  return {
    reads,
    read,
    stuck,
    late,
    hung,
    discarded,
    alone,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('SftpReads: a read that hangs costs only its own path', () => {
  it('every read shares one channel while every path answers', async () => {
    const t = setup();
    expect(await Promise.all([t.read('/a'), t.read('/b')])).toEqual(['/a@shared1', '/b@shared1']);
  });

  it('a hang on the shared channel: only the oldest read waiting is set apart, the others are sent again', async () => {
    const t = setup();
    t.stuck.add('/fifo');
    const fifo = t.read('/fifo'); // sent first: the server is stuck on it
    t.stuck.add('/ok'); // queued behind it on the same channel, it cannot be answered either…
    const ok = t.read('/ok');
    await new Promise((r) => setTimeout(r, 20));
    t.stuck.delete('/ok'); // …but on a fresh channel it is
    await expect(fifo).rejects.toThrow(/no SFTP reply from gpu within .* reading \/fifo/);
    expect(await ok).toBe('/ok@shared2');
    expect(t.hung).toEqual(['/fifo']);
    expect(t.discarded).toEqual(['shared1']);
    expect(t.reads.isApart('/fifo')).toBe(true);
    expect(t.reads.isApart('/ok')).toBe(false);
    // The healthy path goes on sharing; it is never queued behind the stuck one again.
    expect(await t.read('/ok')).toBe('/ok@shared2');
  });

  it('a path set apart: one read at a time on its own channel, a growing pause after each hang', async () => {
    const t = setup();
    t.stuck.add('/fifo');
    await expect(t.read('/fifo')).rejects.toThrow(/within/);
    // In the pause after the hang: refused at once, no channel opened (no stuck server process added).
    await expect(t.read('/fifo')).rejects.toThrow(/asking again in 30 s/);
    expect(t.alone).toEqual([]);
    t.advance(30_000);
    // Asked again, alone: its caller hears "no reply yet" quickly, the read goes on.
    const t0 = Date.now();
    await expect(t.read('/fifo')).rejects.toThrow(/no SFTP reply yet/);
    expect(Date.now() - t0).toBeLessThan(120);
    expect(t.alone).toEqual(['alone2']);
    // While it is out, no second read of it is sent.
    await expect(t.read('/fifo')).rejects.toThrow(/still no SFTP reply/);
    expect(t.alone).toEqual(['alone2']);
    await new Promise((r) => setTimeout(r, 200)); // it times out: its channel is ended, the pause doubles
    expect(t.hung).toEqual(['/fifo', '/fifo']);
    await expect(t.read('/fifo')).rejects.toThrow(/2 times\); asking again in 60 s/);
    // The other paths never waited.
    expect(await t.read('/a')).toMatch(/^\/a@shared/);
  });

  it('a slow path apart: a reply that comes late is kept for the next read; a prompt one rejoins', async () => {
    const t = setup();
    t.stuck.add('/slow');
    await expect(t.read('/slow')).rejects.toThrow(/within/);
    t.stuck.delete('/slow');
    t.late.set('/slow', 60); // slower than the caller waits, faster than the bound
    t.advance(30_000);
    await expect(t.read('/slow', 7)).rejects.toThrow(/no SFTP reply yet/);
    await new Promise((r) => setTimeout(r, 100));
    expect(await t.read('/slow', 7)).toMatch(/^\/slow@alone/); // the kept bytes, at once
    t.late.delete('/slow');
    expect(await t.read('/slow', 8)).toMatch(/^\/slow@alone/); // prompt again…
    expect(t.reads.isApart('/slow')).toBe(false); // …so back with the others
    expect(await t.read('/slow', 9)).toMatch(/^\/slow@shared/);
  });
});
