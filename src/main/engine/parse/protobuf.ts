// A minimal protobuf reader: just what TensorBoard's Event / Summary / TensorProto need. Field
// numbers follow tensorflow/core/util/event.proto, framework/summary.proto and tensor.proto.

// readF32 / readF64 assemble floats in a shared scratch buffer, for callers that hold only bytes: a
// DataView per message would be an allocation per record. Every platform Node runs on is little-endian,
// like the wire format.
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchF64 = new Float64Array(scratch);

export class ProtoReader {
  pos: number;
  /** Start of the last length-delimited field read by `bytes()`. */
  fieldStart = 0;

  constructor(
    public buf: Uint8Array,
    start: number,
    public end: number,
    // Floats are read through one DataView per buffer, never one per message or field.
    public dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength),
  ) {
    this.pos = start;
  }

  /** Points the reader at another message, so one reader serves a whole file (no allocation per record). */
  reset(buf: Uint8Array, dv: DataView, start: number, end: number): void {
    this.buf = buf;
    this.dv = dv;
    this.pos = start;
    this.end = end;
  }

  /**
   * Narrows the reader to the length-delimited field just read (no new reader per sub-message: event
   * files are many small messages). Returns the outer end, for `leave`.
   */
  enter(fieldEnd: number): number {
    const outer = this.end;
    this.pos = this.fieldStart;
    this.end = fieldEnd;
    return outer;
  }

  leave(outerEnd: number, fieldEnd: number): void {
    this.pos = fieldEnd;
    this.end = outerEnd;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    // Keys and short lengths are one byte: the common case skips the loop.
    const p = this.pos;
    if (p < this.end) {
      const b = this.buf[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    return this.longVarint();
  }

  private longVarint(): number {
    let result = 0;
    let mul = 1;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new Error('varint too long');
  }

  /** A signed int64 written as a varint: negative values come as 10-byte two's complement. */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new Error('truncated double');
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new Error('truncated float');
    const v = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field: moves past it and returns its end; its start is in `fieldStart`. */
  bytes(): number {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new Error('truncated length-delimited field');
    this.fieldStart = start;
    this.pos += len;
    return start + len;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new Error('truncated field');
  }
}

export function readF32(buf: Uint8Array, at: number): number {
  for (let i = 0; i < 4; i++) scratchBytes[i] = buf[at + i]!;
  return scratchF32[0]!;
}

export function readF64(buf: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratchBytes[i] = buf[at + i]!;
  return scratchF64[0]!;
}

/** Equal bytes, without decoding them to a string. */
export function bytesEqual(buf: Uint8Array, start: number, end: number, ascii: Uint8Array): boolean {
  if (end - start !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[start + i] !== ascii[i]) return false;
  return true;
}

const utf8 = new TextDecoder('utf-8');

// The same few tags repeat in every event: a small direct-mapped cache, indexed by the length and a
// few bytes and confirmed by comparing the bytes, saves building the string each time (and hashing the
// whole tag, which a Map would need).
const TAG_SLOTS = 1024;
const tagBytes: (Uint8Array | undefined)[] = new Array(TAG_SLOTS).fill(undefined);
const tagText: string[] = new Array(TAG_SLOTS).fill('');

export function decodeTag(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  const slot =
    (n * 61 + buf[start]! * 31 + buf[end - 1]! * 131 + buf[start + (n >> 1)]! * 7) & (TAG_SLOTS - 1);
  const hit = tagBytes[slot];
  if (hit !== undefined && bytesEqual(buf, start, end, hit)) return tagText[slot]!;
  const text = decodeString(buf, start, end);
  tagBytes[slot] = buf.slice(start, end);
  tagText[slot] = text;
  return text;
}

/** Short ASCII strings are built without a TextDecoder call. */
export function decodeString(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      if (b >= 0x80) return utf8.decode(buf.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return utf8.decode(buf.subarray(start, end));
}

/** IEEE 754 half precision → number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bfloat16ToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}
