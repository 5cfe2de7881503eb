// TensorBoard event files (`events.out.tfevents.*`): TFRecord frames — u64 LE length, masked CRC32C of
// the length, the data, masked CRC32C of the data — each holding an `Event` protobuf. Scalars come as
// `simple_value` (TF1, tensorboardX) or as a rank-0 tensor (TF2 and PyTorch's SummaryWriter): float,
// double, half, bfloat16, in the typed fields or in `tensor_content`.
// A frame cut off at the end waits for more bytes; a bad length CRC means the framing is lost, so the
// file is not read further (FileFacts.error says why); a bad data CRC skips that record with a warning.

import { maskedCrc32c } from './crc32c';
import {
  bfloat16ToNumber,
  bytesEqual,
  decodeTag,
  halfToNumber,
  ProtoReader,
  readF32,
  readF64,
} from './protobuf';
import type { FileFacts, FormatModule, ParseResult, Parser } from './types';
import { shortestFloat32, WarningSink } from './values';

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;
const DT_BFLOAT16 = 14;
const DT_HALF = 19;

// Decoding is the hot path of reading event files (hundreds of thousands of small messages): one
// ProtoReader is narrowed into each sub-message with enter / leave, and no closure or object is made per
// field, so a record costs its metrics object and little else.

/** A rank-0 (or all-ones shape) numeric TensorProto's value, else null (histograms, images, text). */
function readTensorScalar(r: ProtoReader): number | null {
  let dtype = 0;
  let value: number | null = null;
  let elements = 1;
  let contentStart = -1;
  let contentEnd = -1;
  while (r.pos < r.end) {
    const key = r.varint();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 0) dtype = r.varint();
    else if (field === 2 && wt === 2) {
      const e = r.bytes();
      const outer = r.enter(e);
      elements = shapeElements(r);
      r.leave(outer, e);
    } else if (field === 4 && wt === 2) {
      contentEnd = r.bytes();
      contentStart = r.fieldStart;
    } else if (field === 5) value = firstOf(r, wt, 5);
    else if (field === 6) value = firstOf(r, wt, 1);
    else if ((field === 7 || field === 13 || field === 10) && value === null) value = firstOf(r, wt, 0);
    else r.skip(wt);
  }
  if (elements !== 1) return null;
  if (contentStart >= 0) return fromContent(r.buf, contentStart, contentEnd, dtype);
  if (value === null) return null;
  if (dtype === DT_HALF) return halfToNumber(value);
  if (dtype === DT_BFLOAT16) return bfloat16ToNumber(value);
  if (dtype === DT_FLOAT) return shortestFloat32(value);
  return dtype === DT_DOUBLE || dtype === DT_INT32 || dtype === DT_INT64 ? value : null;
}

function fromContent(buf: Uint8Array, s: number, e: number, dtype: number): number | null {
  const n = e - s;
  if (dtype === DT_FLOAT && n >= 4) return shortestFloat32(readF32(buf, s));
  if (dtype === DT_DOUBLE && n >= 8) return readF64(buf, s);
  const u16 = n >= 2 ? buf[s]! | (buf[s + 1]! << 8) : 0;
  if (dtype === DT_HALF && n >= 2) return halfToNumber(u16);
  if (dtype === DT_BFLOAT16 && n >= 2) return bfloat16ToNumber(u16);
  if (dtype === DT_INT32 && n >= 4)
    return buf[s]! | (buf[s + 1]! << 8) | (buf[s + 2]! << 16) | (buf[s + 3]! << 24);
  if (dtype === DT_INT64 && n >= 8)
    return Number(new DataView(buf.buffer, buf.byteOffset + s, 8).getBigInt64(0, true));
  return null;
}

function readAs(r: ProtoReader, as: 0 | 1 | 5): number {
  return as === 5 ? r.float() : as === 1 ? r.double() : r.int64();
}

/** The first element of a repeated numeric field, packed (wire type 2) or not; `as` is the element's wire type. */
function firstOf(r: ProtoReader, wt: number, as: 0 | 1 | 5): number {
  if (wt !== 2) return readAs(r, as);
  const e = r.bytes();
  const outer = r.enter(e);
  const v = r.pos < r.end ? readAs(r, as) : Number.NaN;
  r.leave(outer, e);
  return v;
}

function shapeElements(r: ProtoReader): number {
  let n = 1;
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === ((2 << 3) | 2)) {
      const e = r.bytes();
      const outer = r.enter(e);
      let size = 1;
      while (r.pos < r.end) {
        const k = r.varint();
        if (k === ((1 << 3) | 0)) size = r.int64();
        else r.skip(k & 7);
      }
      r.leave(outer, e);
      n *= size;
    } else r.skip(key & 7);
  }
  return n;
}

const SCALARS = new TextEncoder().encode('scalars');

/** SummaryMetadata.plugin_data.plugin_name is absent or "scalars". */
function isScalarPlugin(r: ProtoReader): boolean {
  let scalar = true;
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === ((1 << 3) | 2)) {
      const e = r.bytes();
      const outer = r.enter(e);
      scalar = true;
      while (r.pos < r.end) {
        const k = r.varint();
        if (k === ((1 << 3) | 2)) {
          const ne = r.bytes();
          scalar = bytesEqual(r.buf, r.fieldStart, ne, SCALARS);
          break;
        }
        r.skip(k & 7);
      }
      r.leave(outer, e);
    } else r.skip(key & 7);
  }
  return scalar;
}

export type ScalarSink = (tag: string, value: number) => void;

/** Summary.Value: a scalar goes to `sink`; anything else is skipped. */
function readValue(r: ProtoReader, sink: ScalarSink): void {
  let tag = '';
  let simple: number | null = null;
  let tensorStart = -1;
  let tensorEnd = -1;
  let scalarPlugin = true;
  while (r.pos < r.end) {
    const key = r.varint();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 2) {
      const e = r.bytes();
      tag = decodeTag(r.buf, r.fieldStart, e);
    } else if (field === 2 && wt === 5) simple = shortestFloat32(r.float());
    else if (field === 8 && wt === 2) {
      tensorEnd = r.bytes();
      tensorStart = r.fieldStart;
    } else if (field === 9 && wt === 2) {
      const e = r.bytes();
      const outer = r.enter(e);
      scalarPlugin = isScalarPlugin(r);
      r.leave(outer, e);
    } else r.skip(wt);
  }
  if (simple !== null) sink(tag, simple);
  else if (tensorStart >= 0 && scalarPlugin) {
    const outer = r.end;
    const after = r.pos;
    r.pos = tensorStart;
    r.end = tensorEnd;
    const v = readTensorScalar(r);
    r.leave(outer, after);
    if (v !== null) sink(tag, v);
  }
}

export interface EventHeader {
  wallTime: number | null;
  step: number | null;
}

/**
 * Reads Events with one reusable ProtoReader: `read` sends every scalar to `sink` and leaves the
 * event's wall time and step in `wallTime` / `step`.
 */
export class EventReader {
  wallTime: number | null = null;
  step: number | null = null;
  private readonly r = new ProtoReader(new Uint8Array(0), 0, 0);

  read(buf: Uint8Array, dv: DataView, start: number, end: number, sink: ScalarSink): void {
    const r = this.r;
    r.reset(buf, dv, start, end);
    this.wallTime = null;
    this.step = null;
    while (r.pos < r.end) {
      const key = r.varint();
      const field = key >>> 3;
      const wt = key & 7;
      if (field === 1 && wt === 1) this.wallTime = r.double();
      else if (field === 2 && wt === 0) this.step = r.int64();
      else if (field === 5 && wt === 2) {
        const se = r.bytes();
        const eventEnd = r.enter(se);
        while (r.pos < r.end) {
          const k = r.varint();
          if (k === ((1 << 3) | 2)) {
            const ve = r.bytes();
            const summaryEnd = r.enter(ve);
            readValue(r, sink);
            r.leave(summaryEnd, ve);
          } else r.skip(k & 7);
        }
        r.leave(eventEnd, se);
      } else r.skip(wt);
    }
  }
}

/** Decodes one Event: its wall time and step, and every scalar into `sink`. */
export function decodeEvent(buf: Uint8Array, start: number, end: number, sink: ScalarSink): EventHeader {
  const reader = new EventReader();
  reader.read(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), start, end, sink);
  return { wallTime: reader.wallTime, step: reader.step };
}

const HEADER = 12;
const FOOTER = 4;

export function createTfeventsParser(): Parser {
  let buf = new Uint8Array(1 << 16);
  let dv = new DataView(buf.buffer);
  let start = 0;
  let end = 0;
  let offset = 0; // file offset of buf[start]
  let recordNo = 0;
  let stopped: string | null = null;
  let epoch: number | null = null;
  const warnings = new WarningSink();
  const events = new EventReader();
  let metrics: Record<string, number> = {};
  let count = 0;
  const sink: ScalarSink = (tag, v) => {
    // Lightning logs `epoch` as a scalar of its own: it becomes the epoch of what follows.
    if (tag === 'epoch') epoch = v;
    else {
      metrics[tag] = v;
      count++;
    }
  };

  function append(chunk: Uint8Array): void {
    if (end + chunk.length > buf.length) {
      const live = end - start;
      const need = live + chunk.length;
      if (need <= buf.length) buf.copyWithin(0, start, end);
      else {
        const next = new Uint8Array(Math.max(need, buf.length * 2));
        next.set(buf.subarray(start, end));
        buf = next;
      }
      start = 0;
      end = live;
    }
    buf.set(chunk, end);
    end += chunk.length;
  }

  return {
    push(chunk): ParseResult {
      const result: ParseResult = { records: [], warnings: [] };
      if (stopped) return result;
      append(chunk);
      if (dv.buffer !== buf.buffer) dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      while (end - start >= HEADER) {
        const lenLo = dv.getUint32(start, true);
        const lenHi = dv.getUint32(start + 4, true);
        if (dv.getUint32(start + 8, true) !== maskedCrc32c(buf, start, start + 8)) {
          stopped = `event file corrupt at byte ${offset}: the length checksum does not match, so the records after it cannot be found; not reading further`;
          result.warnings.push({ line: recordNo + 1, message: stopped });
          break;
        }
        const len = lenHi * 2 ** 32 + lenLo;
        const total = HEADER + len + FOOTER;
        if (end - start < total) break; // cut off: wait for the rest
        recordNo++;
        const dataStart = start + HEADER;
        const dataEnd = dataStart + len;
        if (dv.getUint32(dataEnd, true) !== maskedCrc32c(buf, dataStart, dataEnd)) {
          warnings.add(
            result.warnings,
            recordNo,
            `event record ${recordNo} (byte ${offset}) fails its data checksum: skipped`,
          );
        } else {
          try {
            metrics = {};
            count = 0;
            events.read(buf, dv, dataStart, dataEnd, sink);
            if (count > 0) {
              const time = events.wallTime === null ? null : events.wallTime * 1000;
              result.records.push({ epoch, step: events.step, time, metrics });
            }
          } catch (e) {
            warnings.add(
              result.warnings,
              recordNo,
              `event record ${recordNo} is not a valid Event: ${(e as Error).message}`,
            );
          }
        }
        start += total;
        offset += total;
      }
      if (start === end) start = end = 0;
      return result;
    },
    facts: (): FileFacts => (stopped ? { error: stopped } : {}),
  };
}

export const tfeventsFormat: FormatModule = {
  id: 'tfevents',
  binary: true,
  byName: (fileName) => (/(^|\/)events\.out\.tfevents\./.test(fileName) ? 1 : 0),
  // A first record of 24 bytes or so (file_version) has a zero high length word.
  sniff: (head) => (head.length >= 16 && head.charCodeAt(4) === 0 && head.charCodeAt(5) === 0 ? 0.3 : 0),
  create: createTfeventsParser,
};
