// TensorBoard event files (`events.out.tfevents.*`): TFRecord frames — u64 LE length, masked CRC32C of
// the length, the data, masked CRC32C of the data — each holding an `Event` protobuf. Scalars come as
// `simple_value` (TF1, tensorboardX) or as a rank-0 tensor (TF2 and PyTorch's SummaryWriter): float,
// double, half, bfloat16, in the typed fields or in `tensor_content`.
// A frame cut off at the end waits for more bytes; a bad length CRC means the framing is lost, so the
// file is not read further (FileFacts.error says why); a bad data CRC skips that record with a warning.

import type { MetricRecord } from '../../../shared/model';
import { maskedCrc32c } from './crc32c';
import { bfloat16ToNumber, decodeString, halfToNumber, ProtoReader } from './protobuf';
import type { FileFacts, FormatModule, ParseResult, Parser } from './types';
import { WarningSink } from './values';

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;
const DT_BFLOAT16 = 14;
const DT_HALF = 19;

/** A rank-0 (or all-ones shape) numeric tensor's value, else null (histograms, images, text). */
function readTensorScalar(r: ProtoReader): number | null {
  let dtype = 0;
  let value: number | null = null;
  let elements = 1;
  let content: [number, number] | null = null;
  while (!r.done()) {
    const key = r.varint();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 0) dtype = r.varint();
    else if (field === 2 && wt === 2) elements = shapeElements(r.sub(r.bytes()));
    else if (field === 4 && wt === 2) content = r.bytes();
    else if (field === 5) value = packedFirst(r, wt, () => r.float());
    else if (field === 6) value = packedFirst(r, wt, () => r.double());
    else if ((field === 7 || field === 13 || field === 10) && value === null) {
      const raw = packedFirst(r, wt, () => r.int64());
      value = raw;
    } else r.skip(wt);
  }
  if (elements !== 1) return null;
  if (content) {
    const [s, e] = content;
    const dv = new DataView(r.buf.buffer, r.buf.byteOffset + s, e - s);
    if (dtype === DT_FLOAT && e - s >= 4) return dv.getFloat32(0, true);
    if (dtype === DT_DOUBLE && e - s >= 8) return dv.getFloat64(0, true);
    if (dtype === DT_HALF && e - s >= 2) return halfToNumber(dv.getUint16(0, true));
    if (dtype === DT_BFLOAT16 && e - s >= 2) return bfloat16ToNumber(dv.getUint16(0, true));
    if (dtype === DT_INT32 && e - s >= 4) return dv.getInt32(0, true);
    if (dtype === DT_INT64 && e - s >= 8) return Number(dv.getBigInt64(0, true));
    return null;
  }
  if (value === null) return null;
  if (dtype === DT_HALF) return halfToNumber(value);
  if (dtype === DT_BFLOAT16) return bfloat16ToNumber(value);
  return dtype === DT_FLOAT || dtype === DT_DOUBLE || dtype === DT_INT32 || dtype === DT_INT64 ? value : null;
}

/** The first element of a repeated numeric field, packed (wire type 2) or not. */
function packedFirst(r: ProtoReader, wt: number, read: () => number): number {
  if (wt !== 2) return read();
  const [s, e] = r.bytes();
  const saved = r.pos;
  r.pos = s;
  const v = s < e ? read() : Number.NaN;
  r.pos = saved;
  return v;
}

function shapeElements(r: ProtoReader): number {
  let n = 1;
  while (!r.done()) {
    const key = r.varint();
    if (key >>> 3 === 2 && (key & 7) === 2) {
      const dim = r.sub(r.bytes());
      while (!dim.done()) {
        const k = dim.varint();
        if (k >>> 3 === 1 && (k & 7) === 0) n *= dim.int64();
        else dim.skip(k & 7);
      }
    } else r.skip(key & 7);
  }
  return n;
}

/** SummaryMetadata.plugin_data.plugin_name, '' when absent. */
function pluginName(r: ProtoReader): string {
  while (!r.done()) {
    const key = r.varint();
    if (key === ((1 << 3) | 2)) {
      const pd = r.sub(r.bytes());
      while (!pd.done()) {
        const k = pd.varint();
        if (k === ((1 << 3) | 2)) {
          const [s, e] = pd.bytes();
          return decodeString(pd.buf, s, e);
        }
        pd.skip(k & 7);
      }
    } else r.skip(key & 7);
  }
  return '';
}

function readValue(r: ProtoReader, out: [string, number][]): void {
  let tag = '';
  let simple: number | null = null;
  let tensor: [number, number] | null = null;
  let plugin = '';
  while (!r.done()) {
    const key = r.varint();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 2) {
      const [s, e] = r.bytes();
      tag = decodeString(r.buf, s, e);
    } else if (field === 2 && wt === 5) simple = r.float();
    else if (field === 8 && wt === 2) tensor = r.bytes();
    else if (field === 9 && wt === 2) plugin = pluginName(r.sub(r.bytes()));
    else r.skip(wt);
  }
  if (simple !== null) out.push([tag, simple]);
  else if (tensor && (plugin === '' || plugin === 'scalars')) {
    const v = readTensorScalar(r.sub(tensor));
    if (v !== null) out.push([tag, v]);
  }
}

export interface TfEvent {
  wallTime: number | null;
  step: number | null;
  scalars: [string, number][];
}

export function decodeEvent(buf: Uint8Array, start: number, end: number): TfEvent {
  const r = new ProtoReader(buf, start, end);
  const ev: TfEvent = { wallTime: null, step: null, scalars: [] };
  while (!r.done()) {
    const key = r.varint();
    const field = key >>> 3;
    const wt = key & 7;
    if (field === 1 && wt === 1) ev.wallTime = r.double();
    else if (field === 2 && wt === 0) ev.step = r.int64();
    else if (field === 5 && wt === 2) {
      const summary = r.sub(r.bytes());
      while (!summary.done()) {
        const k = summary.varint();
        if (k === ((1 << 3) | 2)) readValue(summary.sub(summary.bytes()), ev.scalars);
        else summary.skip(k & 7);
      }
    } else r.skip(wt);
  }
  return ev;
}

const HEADER = 12;
const FOOTER = 4;

export function createTfeventsParser(): Parser {
  let buf = new Uint8Array(1 << 16);
  let start = 0;
  let end = 0;
  let offset = 0; // file offset of buf[start]
  let recordNo = 0;
  let stopped: string | null = null;
  let epoch: number | null = null;
  const sink = new WarningSink();

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
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
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
          sink.add(result.warnings, recordNo, `event record ${recordNo} (byte ${offset}) fails its data checksum: skipped`);
        } else {
          try {
            const ev = decodeEvent(buf, dataStart, dataEnd);
            const rec: MetricRecord = {
              epoch: null,
              step: ev.step,
              time: ev.wallTime === null ? null : ev.wallTime * 1000,
              metrics: {},
            };
            let count = 0;
            for (const [tag, v] of ev.scalars) {
              // Lightning logs `epoch` as a scalar of its own: it becomes the epoch of what follows.
              if (tag === 'epoch') epoch = v;
              else {
                rec.metrics[tag] = v;
                count++;
              }
            }
            rec.epoch = epoch;
            if (count > 0) result.records.push(rec);
          } catch (e) {
            sink.add(result.warnings, recordNo, `event record ${recordNo} is not a valid Event: ${(e as Error).message}`);
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
