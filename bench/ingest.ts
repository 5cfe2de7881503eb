// Ingest benchmark: for each format, MB/s of Vigil's incremental parser (fed in 1 MiB chunks, as the
// reader does) against the simplest correct reader written here and measured in the same run.
//   npx tsx bench/ingest.ts [--quick]     (100 MB per format; --quick: 10 MB)
// Prints `BENCH ingest_<format>_mb_s <value> MB/s baseline=<v> ratio=<r>`.

import { maskedCrc32c } from '../src/main/engine/parse/crc32c';
import { parseJsonLenient } from '../src/main/engine/parse/jsonl';
import { formatById } from '../src/main/engine/parse/registry';
import { decodeEvent } from '../src/main/engine/parse/tfevents';

const MB = 1024 * 1024;
const SIZE = (process.argv.includes('--quick') ? 10 : 100) * MB;
const CHUNK = MB;

function textOfSize(line: (i: number) => string, header = ''): Uint8Array {
  const parts: string[] = [header];
  let n = header.length;
  for (let i = 0; n < SIZE; i++) {
    const l = line(i);
    parts.push(l);
    n += l.length;
  }
  return new TextEncoder().encode(parts.join(''));
}

const r = (i: number, k: number) => ((i * 2654435761 + k * 40503) % 100000) / 100000;

function jsonlData(): Uint8Array {
  return textOfSize(
    (i) =>
      `{"mode": "train", "epoch": ${1 + Math.floor(i / 1000)}, "iter": ${i % 1000}, "lr": ${r(i, 1) / 100}, "time": ${r(i, 2)}, "data_time": ${r(i, 3) / 10}, "memory": 6874, "loss_rpn_cls": ${r(i, 4)}, "loss_cls": ${r(i, 5)}, "acc": ${r(i, 6) * 100}, "loss": ${i % 997 === 0 ? 'NaN' : r(i, 7)}}\n`,
  );
}

function csvData(): Uint8Array {
  return textOfSize(
    (i) => `${i},${i * 50},${r(i, 1)},${i % 2 ? '' : r(i, 2)},${r(i, 3)},${r(i, 4)},${r(i, 5)}\n`,
    'epoch,step,train_loss,val_loss,accuracy,lr,grad_norm\n',
  );
}

function textData(): Uint8Array {
  return textOfSize((i) =>
    i % 3 === 0
      ? `2020-07-20 05:45:27,657 - mmdet - INFO - Epoch [${1 + (i >> 10)}][${i % 1000}/1000]\tlr: 2.473e-04, eta: 1:20:05, time: ${r(i, 1).toFixed(3)}, data_time: 0.305, memory: 6874, loss_cls: ${r(i, 2).toFixed(4)}, acc: 73.9214, loss: ${r(i, 3).toFixed(4)}\n`
      : i % 3 === 1
        ? `iter ${i}: loss ${r(i, 4).toFixed(4)}, time ${(r(i, 5) * 100).toFixed(2)}ms, mfu 12.34%\n`
        : `Epoch ${i}/100000 - loss: ${r(i, 6).toFixed(4)} - val_loss: ${r(i, 7).toFixed(4)}\n`,
  );
}

// --- tfevents: a small writer (Event{wall_time, step, summary{value{tag, simple_value | tensor}}}) ---
function varint(out: number[], n: number): void {
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
}
function lenField(out: number[], field: number, body: number[]): void {
  varint(out, field * 8 + 2);
  varint(out, body.length);
  for (const b of body) out.push(b);
}
const bytesOf = (a: Float32Array | Float64Array) => [...new Uint8Array(a.buffer)];
const tagBytes = (s: string) => [...new TextEncoder().encode(s)];

function tfeventsData(): Uint8Array {
  const frames: Uint8Array[] = [];
  let n = 0;
  for (let i = 0; n < SIZE; i++) {
    const values: number[] = [];
    for (const [k, tag] of ['train/loss', 'train/lr', 'val/acc'].entries()) {
      const v: number[] = [];
      lenField(v, 1, tagBytes(tag));
      if (k === 0) {
        v.push((2 << 3) | 5, ...bytesOf(new Float32Array([r(i, k)])));
      } else {
        const t: number[] = [8, 1]; // dtype DT_FLOAT
        lenField(t, 2, []);
        lenField(t, 5, bytesOf(new Float32Array([r(i, k)])));
        lenField(v, 9, [10, 9, 10, 7, ...tagBytes('scalars')]);
        lenField(v, 8, t);
      }
      lenField(values, 1, v);
    }
    const ev: number[] = [(1 << 3) | 1, ...bytesOf(new Float64Array([1.7e9 + i]))];
    ev.push(2 << 3);
    varint(ev, i);
    lenField(ev, 5, values);
    const f = new Uint8Array(16 + ev.length);
    const dv = new DataView(f.buffer);
    dv.setUint32(0, ev.length, true);
    dv.setUint32(8, maskedCrc32c(f, 0, 8), true);
    f.set(ev, 12);
    dv.setUint32(12 + ev.length, maskedCrc32c(f, 12, 12 + ev.length), true);
    frames.push(f);
    n += f.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

// --- baselines: the simplest correct readers ---
/** Complete lines only: the last piece is an unterminated line (or empty). */
function linesOf(bytes: Uint8Array): string[] {
  const lines = new TextDecoder().decode(bytes).split('\n');
  lines.pop();
  return lines;
}

function baselineJsonl(bytes: Uint8Array): number {
  let n = 0;
  for (const l of linesOf(bytes)) {
    if (!l) continue;
    const o = parseJsonLenient(l) as Record<string, unknown>;
    for (const k in o) if (typeof o[k] === 'number' || o[k] === 'NaN') n++;
  }
  return n;
}

function baselineCsv(bytes: Uint8Array): number {
  const lines = linesOf(bytes);
  let n = 0;
  for (let i = 1; i < lines.length; i++) {
    for (const c of lines[i]!.split(',')) if (c !== '' && !Number.isNaN(Number(c))) n++;
  }
  return n;
}

function baselineText(bytes: Uint8Array): number {
  let n = 0;
  for (const l of linesOf(bytes))
    for (const _ of l.matchAll(/([A-Za-z_]+)[:=]?\s+(-?[\d.]+(?:e-?\d+)?)/g)) n++;
  return n;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();
function simpleMaskedCrc(b: Uint8Array, s: number, e: number): number {
  let crc = 0xffffffff;
  for (let i = s; i < e; i++) crc = CRC_TABLE[(crc ^ b[i]!) & 0xff]! ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** TensorBoard-style: frame by frame, byte-at-a-time table CRC on both checksums, then decode. */
function baselineTfevents(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let at = 0; at + 12 <= bytes.length; ) {
    const len = dv.getUint32(at, true);
    if (at + 16 + len > bytes.length) break; // cut off
    if (dv.getUint32(at + 8, true) !== simpleMaskedCrc(bytes, at, at + 8)) throw new Error('length crc');
    const s = at + 12;
    if (dv.getUint32(s + len, true) !== simpleMaskedCrc(bytes, s, s + len)) throw new Error('data crc');
    decodeEvent(bytes, s, s + len, () => n++);
    at = s + len + 4;
  }
  return n;
}

function ours(formatId: string, bytes: Uint8Array): number {
  const p = formatById(formatId).create();
  let n = 0;
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const r = p.push(bytes.subarray(at, at + CHUNK));
    n += r.records.length;
    if (r.warnings.length) throw new Error(`${formatId}: ${r.warnings[0]!.message}`);
  }
  return n;
}

/** Best of `runs`: the first run pays for the generator's garbage and for JIT warm-up. */
function mbPerSec(fn: () => number, bytes: number, runs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const n = fn();
    best = Math.min(best, performance.now() - t0);
    if (n === 0) throw new Error('read nothing');
  }
  return bytes / MB / (best / 1000);
}

const CASES: [string, () => Uint8Array, (b: Uint8Array) => number][] = [
  ['jsonl', jsonlData, baselineJsonl],
  ['csv', csvData, baselineCsv],
  ['text', textData, baselineText],
  ['tfevents', tfeventsData, baselineTfevents],
];

for (const [id, make, baseline] of CASES.filter(([id]) => !process.env.ONLY || id === process.env.ONLY)) {
  const bytes = make();
  // A short warm-up so both sides run JIT-compiled code.
  const warm = bytes.subarray(0, Math.min(bytes.length, 2 * MB));
  ours(id, warm);
  baseline(warm);
  const runs = SIZE > 50 * MB ? 2 : 3;
  const base = mbPerSec(() => baseline(bytes), bytes.length, runs);
  const mine = mbPerSec(() => ours(id, bytes), bytes.length, runs);
  console.log(
    `BENCH ingest_${id}_mb_s ${mine.toFixed(1)} MB/s baseline=${base.toFixed(1)} ratio=${(mine / base).toFixed(2)} (${(bytes.length / MB).toFixed(0)} MB)`,
  );
}
