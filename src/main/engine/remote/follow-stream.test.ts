import { describe, expect, it } from 'vitest';
import { type FollowEvent, FollowStreamReader } from './follow-stream';

const NONCE = '0123456789abcdef';
const start = `\n@VF ${NONCE} inotify\n`;

function readAll(
  chunks: (string | Buffer)[],
  files = 2,
): { events: FollowEvent[]; reader: FollowStreamReader } {
  const reader = new FollowStreamReader(NONCE, { files });
  const events = chunks.flatMap((c) => reader.push(Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1')));
  return { events, reader };
}

describe('FollowStreamReader', () => {
  it('reads frames split at every byte exactly as whole, payload bytes included', () => {
    const payload = Buffer.from('{"loss": 1}\nd 1 0 5 0\nhello', 'utf8');
    const text = Buffer.concat([
      Buffer.from(`login banner\n${start}i 0 42 0 1700000000\n`),
      Buffer.from(`d 0 0 ${payload.length} 1700000001\n`),
      payload,
      Buffer.from('s 0 36 1700000002\nt 1 0 1700000003 T\nm 1\nn 0 p\nh\n'),
    ]);
    const whole = readAll([text]).events;
    const split = readAll([...text].map((b) => Buffer.from([b]))).events;
    expect(split).toEqual(whole);
    expect(whole.map((e) => e.kind)).toEqual([
      'start',
      'inode',
      'data',
      'touched',
      'restart',
      'missing',
      'not-regular',
      'heartbeat',
    ]);
    const data = whole[2] as Extract<FollowEvent, { kind: 'data' }>;
    // A forged header inside the payload is payload.
    expect(data.bytes.equals(payload)).toBe(true);
    expect(whole[4]).toEqual({ kind: 'restart', id: 1, size: 0, mtimeSec: 1700000003, cause: 'truncated' });
  });

  it('sets noise before the start mark aside, and only this run’s mark starts the stream', () => {
    const { events, reader } = readAll([
      'Welcome to Ubuntu\n\n@VF ffffffffffffffff inotify\nd 0 0 3 1\nabc',
      `${start}h\n`,
    ]);
    expect(events).toEqual([{ kind: 'start', mode: 'inotify', pipe: null }, { kind: 'heartbeat' }]);
    expect(reader.noise[0]).toBe('Welcome to Ubuntu');
    expect(reader.error).toBeNull();
  });

  it('refuses garbage, an unknown file, a header with no end and an absurd length, and stops there', () => {
    for (const [bad, why] of [
      ['bogus line\n', /garbled/],
      ['d 5 0 1 1\nx', /names file 5, of 2/],
      [`d 0 0 ${'9'.repeat(170)}`, /header runs past/],
      ['d 0 0 99999999 1\n', /holds 99999999 bytes/],
    ] as const) {
      const { events, reader } = readAll([`${start}h\n${bad}`, 'h\n']);
      expect(reader.error).toMatch(why);
      expect(events).toEqual([{ kind: 'start', mode: 'inotify', pipe: null }, { kind: 'heartbeat' }]);
    }
  });

  it('reads a data frame without an mtime (unchanged since the last one said)', () => {
    const { events } = readAll([`${start}d 0 5 2\nok`]);
    expect(events[1]).toMatchObject({ kind: 'data', id: 0, offset: 5, mtimeSec: null });
  });

  it('ends with the follower’s last words', () => {
    const { events, reader } = readAll([`${start}x 13\nValueError: x`]);
    expect(events.at(-1)).toEqual({ kind: 'fatal', message: 'ValueError: x' });
    expect(reader.error).toBe('the follower stopped: ValueError: x');
  });

  it('waits for a payload still on its way', () => {
    const reader = new FollowStreamReader(NONCE, { files: 1 });
    expect(reader.push(Buffer.from(`${start}d 0 10 4 1\nab`))).toEqual([
      { kind: 'start', mode: 'inotify', pipe: null },
    ]);
    const [e] = reader.push(Buffer.from('cd'));
    expect(e).toMatchObject({ kind: 'data', id: 0, offset: 10, mtimeSec: 1 });
    expect((e as Extract<FollowEvent, { kind: 'data' }>).bytes.toString()).toBe('abcd');
  });

  it('reads the short form where the follower counts on the offset and mtime it said last', () => {
    const { events, reader } = readAll([
      `${start}i 0 42 100 1700000000\nd 0 100 2 1700000005\nab`,
      'a 0 3\ncde',
      'a 0 1 +2\nf',
      't 0 0 1700000009 T\na 0 2 -1\ngh',
    ]);
    const data = events.filter((e) => e.kind === 'data');
    expect(data.map((e) => [e.offset, e.bytes.toString(), e.mtimeSec])).toEqual([
      [100, 'ab', 1700000005],
      [102, 'cde', null],
      [105, 'f', 1700000007],
      [0, 'gh', 1700000006],
    ]);
    expect(reader.error).toBeNull();
  });

  it('refuses a short frame for a file whose offset or mtime it does not hold', () => {
    for (const [bad, why] of [
      ['a 0 1\nx', /continues file 0, whose offset is not known/],
      ['i 0 42 0 1700000000\na 0 1 +1\nx', /moves the mtime of file 0, which is not known/],
      ['i 0 42 0 1\nd 0 0 1 1\nxm 0\na 0 1\ny', /continues file 0, whose offset is not known/],
    ] as const) {
      const { reader } = readAll([`${start}${bad}`]);
      expect(reader.error).toMatch(why);
    }
  });

  it('names the request pipe from the start mark, and reads a vitals answer as opaque bytes', () => {
    const pipe = '/run/user/1000/vigil-f42-abc/r';
    const answer = Buffer.from('B 0 16:0123456789abcdef\nv 9 9\nh\n'); // a forged frame is payload
    const { events, reader } = readAll([
      Buffer.concat([
        Buffer.from(`\n@VF ${NONCE} poll ${Buffer.from(pipe).toString('hex')}\nv 7 ${answer.length}\n`),
        answer,
        Buffer.from('h\n'),
      ]),
    ]);
    expect(reader.error).toBeNull();
    expect(events).toEqual([
      { kind: 'start', mode: 'poll', pipe },
      { kind: 'vitals', seq: 7, bytes: answer },
      { kind: 'heartbeat' },
    ]);
    expect(readAll([`\n@VF ${NONCE} inotify -\nh\n`]).events[0]).toEqual({
      kind: 'start',
      mode: 'inotify',
      pipe: null,
    });
    for (const bad of ['inotify zz', 'inotify 2f7 x', 'inotify 2f 2f']) {
      expect(readAll([`\n@VF ${NONCE} ${bad}\nh\n`]).reader.error).not.toBeNull();
    }
  });
});
