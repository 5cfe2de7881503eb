// Event files are written here by a tiny independent writer (its own bit-by-bit CRC32C, checked
// against the RFC 3720 test vectors) so the reader is not checked against itself.
import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from './crc32c';
import { detectFormat } from './registry';
import { enc, feed, randomChunks } from './test-helpers';
import { createTfeventsParser } from './tfevents';
import { shortestFloat32 } from './values';

function bitwiseCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

// --- a minimal protobuf writer ---
type Bytes = number[];
const varint = (n: number): Bytes => {
  const out: Bytes = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const key = (field: number, wt: number) => varint(field * 8 + wt);
const lenField = (field: number, body: Bytes) => [...key(field, 2), ...varint(body.length), ...body];
const str = (field: number, s: string) => lenField(field, [...enc(s)]);
const f32 = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
const f64 = (v: number) => [...new Uint8Array(new Float64Array([v]).buffer)];
const u16 = (v: number) => [v & 0xff, v >> 8];

function event(step: number, wallTime: number, values: Bytes[]): Bytes {
  return [
    ...key(1, 1),
    ...f64(wallTime),
    ...key(2, 0),
    ...varint(step),
    ...lenField(
      5,
      values.flatMap((v) => lenField(1, v)),
    ),
  ];
}
const simple = (tag: string, v: number) => [...str(1, tag), ...key(2, 5), ...f32(v)];
const scalarsMeta = lenField(9, lenField(1, str(1, 'scalars')));
const tensorValue = (tag: string, tensor: Bytes, meta = scalarsMeta) => [
  ...str(1, tag),
  ...meta,
  ...lenField(8, tensor),
];

function frame(data: Bytes): Uint8Array {
  const len = new Uint8Array(8);
  new DataView(len.buffer).setUint32(0, data.length, true);
  const out = new Uint8Array(16 + data.length);
  const dv = new DataView(out.buffer);
  out.set(len, 0);
  dv.setUint32(8, mask(bitwiseCrc32c(len)), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, mask(bitwiseCrc32c(Uint8Array.from(data))), true);
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const T = 1_700_000_000;
const FRAMES = [
  frame([...key(1, 1), ...f64(T), ...str(3, 'brain.Event:2')]), // file_version: not a record
  frame(event(1, T + 1, [simple('loss', 0.5), simple('epoch', 0)])),
  // TF2 / SummaryWriter: rank-0 DT_FLOAT tensor with float_val (packed), empty shape.
  frame(
    event(2, T + 2, [
      tensorValue('train/loss', [...key(1, 0), 1, ...lenField(2, []), ...lenField(5, f32(0.25))]),
    ]),
  ),
  // DT_DOUBLE in tensor_content.
  frame(event(3, T + 3, [tensorValue('lr', [...key(1, 0), 2, ...lenField(4, f64(0.001))])])),
  // DT_HALF in half_val (1.5 = 0x3e00), then in tensor_content (-2 = 0xc000).
  frame(event(4, T + 4, [tensorValue('h1', [...key(1, 0), 19, ...lenField(13, varint(0x3e00))])])),
  frame(event(5, T + 5, [tensorValue('h2', [...key(1, 0), 19, ...lenField(4, u16(0xc000))])])),
  // A histogram tensor (shape [3], plugin "histograms"): not a scalar.
  frame(
    event(6, T + 6, [
      tensorValue(
        'weights',
        [
          ...key(1, 0),
          1,
          ...lenField(2, lenField(2, [...key(1, 0), 3])),
          ...lenField(4, [...f32(1), ...f32(2), ...f32(3)]),
        ],
        lenField(9, lenField(1, str(1, 'histograms'))),
      ),
    ]),
  ),
  frame(event(7, T + 7, [simple('loss', Number.NaN)])),
];
const FILE = concat(FRAMES);

describe('CRC32C', () => {
  it('matches the published test vectors (RFC 3720 B.4 and "123456789")', () => {
    const vectors: [Uint8Array, number][] = [
      [enc('123456789'), 0xe3069283],
      [new Uint8Array(32), 0x8a9136aa],
      [new Uint8Array(32).fill(0xff), 0x62a8ab43],
      [Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
      [Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ];
    for (const [bytes, want] of vectors) {
      expect(crc32c(bytes)).toBe(want);
      expect(bitwiseCrc32c(bytes)).toBe(want);
    }
    const long = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) % 256);
    expect(crc32c(long, 3, 997)).toBe(bitwiseCrc32c(long.subarray(3, 997)));
    expect(maskedCrc32c(long)).toBe(mask(bitwiseCrc32c(long)));
  });
});

describe('TensorBoard event files', () => {
  it('gives a float32 as the shortest decimal that is the same float32, not its 17-digit double', () => {
    const p = createTfeventsParser();
    const r = p.push(
      concat([
        // The value: the float32 that widens to 0.14703549444675446.
        frame(event(1, T + 1, [simple('loss', 0.14703549444675446), simple('lr', 3e-4), simple('acc', 0.5)])),
        frame(
          event(2, T + 2, [tensorValue('train/loss', [...key(1, 0), 1, ...lenField(4, f32(2.3456789))])]),
        ),
      ]),
    );
    expect(r.records[0]!.metrics).toEqual({ loss: 0.1470355, lr: 0.0003, acc: 0.5 });
    expect(JSON.stringify(r.records[0]!.metrics.loss)).toBe('0.1470355');
    expect(Math.fround(r.records[0]!.metrics.loss!)).toBe(0.14703549444675446);
    expect(r.records[1]!.metrics['train/loss']).toBe(2.3456788);
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(1e-30))).toBe(1e-30);
    expect(shortestFloat32(Number.NaN)).toBeNaN();
    expect(shortestFloat32(Math.fround(-38.7890625))).toBe(-38.789063); // a tie rounds away from zero
  });

  it('finds what toPrecision finds, the shortest first, over float32s of every size', () => {
    const byString = (v: number) => {
      for (let p = 1; p <= 9; p++)
        if (Math.fround(Number(v.toPrecision(p))) === v) return Number(v.toPrecision(p));
      return v;
    };
    let s = 42;
    const rnd = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    for (let i = 0; i < 20_000; i++) {
      const v = Math.fround((rnd() - 0.3) * 10 ** Math.floor(rnd() * 50 - 25));
      expect(shortestFloat32(v), String(v)).toBe(byString(v));
    }
  });

  it('is detected by name', () => {
    expect(detectFormat('runs/x/events.out.tfevents.1700000000.host.123.0', '').format?.id).toBe('tfevents');
  });

  it('reads simple_value and tensor scalars (float, double, half), skips histograms', () => {
    const p = createTfeventsParser();
    const r = p.push(FILE);
    expect(r.warnings).toEqual([]);
    expect(r.records).toEqual([
      { epoch: 0, step: 1, time: (T + 1) * 1000, metrics: { loss: 0.5 } },
      { epoch: 0, step: 2, time: (T + 2) * 1000, metrics: { 'train/loss': 0.25 } },
      { epoch: 0, step: 3, time: (T + 3) * 1000, metrics: { lr: 0.001 } },
      { epoch: 0, step: 4, time: (T + 4) * 1000, metrics: { h1: 1.5 } },
      { epoch: 0, step: 5, time: (T + 5) * 1000, metrics: { h2: -2 } },
      { epoch: 0, step: 7, time: (T + 7) * 1000, metrics: { loss: Number.NaN } },
    ]);
  });

  it('waits for a cut-off record and reads it when it completes, in any chunking', () => {
    const p = createTfeventsParser();
    const cut = FILE.length - 10;
    expect(p.push(FILE.subarray(0, cut)).records).toHaveLength(5);
    expect(p.push(FILE.subarray(cut)).records.map((x) => x.step)).toEqual([7]);
    const whole = feed(createTfeventsParser(), [FILE]);
    for (let seed = 1; seed <= 10; seed++)
      expect(feed(createTfeventsParser(), randomChunks(FILE, seed))).toEqual(whole);
  });

  it('skips a record whose data checksum is wrong, with a warning, and reads on', () => {
    const bad = FRAMES.map((f) => f.slice());
    const second = bad[2]!;
    second[second.length - 5]! ^= 0xff; // a data byte of the train/loss record
    const r = feed(createTfeventsParser(), [concat(bad)]);
    expect(r.records.map((x) => x.step)).toEqual([1, 3, 4, 5, 7]);
    expect(r.warnings).toEqual([
      { line: 3, message: expect.stringMatching(/record 3 .*data checksum: skipped/) },
    ]);
  });

  it('stops at a bad length checksum and says why', () => {
    const bad = FRAMES.map((f) => f.slice());
    bad[3]![9]! ^= 0x01; // the masked CRC of record 4's length
    const p = createTfeventsParser();
    const r = feed(p, randomChunks(concat(bad), 5));
    expect(r.records.map((x) => x.step)).toEqual([1, 2]);
    expect(r.warnings[0]!.message).toMatch(/length checksum does not match/);
    expect(p.facts().error).toMatch(/not reading further/);
    expect(p.push(FRAMES[1]!).records).toEqual([]);
  });
});
