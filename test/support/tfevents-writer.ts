// A tiny TensorBoard event-file writer for tests, independent of Vigil's reader: TFRecord framing
// (u64 length, masked CRC32C of it, data, masked CRC32C of the data) around Event protobufs whose
// summaries carry scalars as `simple_value`, the way tf.summary / tensorboardX write them.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const field = (num: number, wire: number) => varint(num * 8 + wire);
const bytesField = (num: number, body: number[]) => [...field(num, 2), ...varint(body.length), ...body];

function scalarValue(tag: string, v: number): number[] {
  const f = new Uint8Array(new Float32Array([v]).buffer);
  return [...bytesField(1, [...new TextEncoder().encode(tag)]), ...field(2, 5), ...f];
}

/** One Event { wall_time, step, summary { value* } } as TFRecord bytes. */
export function eventRecord(step: number, wallTimeSec: number, scalars: Record<string, number>): Uint8Array {
  const wall = new Uint8Array(new Float64Array([wallTimeSec]).buffer);
  const summary = Object.entries(scalars).flatMap(([tag, v]) => bytesField(1, scalarValue(tag, v)));
  const data = Uint8Array.from([
    ...field(1, 1),
    ...wall,
    ...field(2, 0),
    ...varint(step),
    ...bytesField(5, summary),
  ]);
  return frame(data);
}

/** TFRecord framing: u64 length, masked CRC32C of the length, the data, masked CRC32C of the data. */
function frame(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length, true);
  dv.setUint32(8, mask(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, mask(crc32c(data)), true);
  return out;
}

/** The file_version event every writer puts first. */
export function fileVersionRecord(wallTimeSec: number): Uint8Array {
  const wall = new Uint8Array(new Float64Array([wallTimeSec]).buffer);
  const version = [...new TextEncoder().encode('brain.Event:2')];
  return frame(Uint8Array.from([...field(1, 1), ...wall, ...bytesField(3, version)]));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
