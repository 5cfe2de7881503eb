// Ingest benchmark: for each format, MB/s of Vigil's incremental parser (fed in 1 MiB chunks, as the
// reader does) against the simplest correct reader written here and measured in the same run.
//   npx tsx bench/ingest.ts [--quick]     (100 MB per format; --quick: 10 MB)
// Prints `BENCH ingest_<format>_mb_s <value> MB/s baseline=<v> ratio=<r>`.

import { isDeepStrictEqual } from 'node:util';
import { maskedCrc32c } from '../src/main/engine/parse/crc32c';
import { formatById } from '../src/main/engine/parse/registry';
import type { MetricRecord } from '../src/shared/model';

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
    (i) =>
      `${i},${i * 50},${i % 997 === 0 ? 'nan' : r(i, 1)},${i % 2 ? '' : r(i, 2)},${r(i, 3)},${r(i, 4)},${r(i, 5)}\n`,
    'epoch,step,train_loss,val_loss,accuracy,lr,grad_norm\n',
  );
}

function textData(): Uint8Array {
  return textOfSize((i) =>
    i % 3 === 0
      ? `2020-07-20 05:45:27,657 - mmdet - INFO - Epoch [${1 + (i >> 10)}][${i % 1000}/1000]\tlr: 2.473e-04, eta: 1:20:05, time: ${r(i, 1).toFixed(3)}, data_time: 0.305, memory: 6874, loss_cls: ${r(i, 2).toFixed(4)}, acc: 73.9214, loss: ${i % 997 === 0 ? 'nan' : r(i, 3).toFixed(4)}\n`
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
// Each reads the whole file at once (no chunk boundaries to care about) and returns the same
// MetricRecords Vigil's parser does: checked below, so neither side can win by reading less. They keep
// the conventions every format shares: `epoch` / a step key are counters, a Unix time becomes `time`,
// NaN and ±Infinity are values, and a step going back without a new epoch marks a restart.

/** Complete lines only: the last piece is an unterminated line (or empty). */
function linesOf(bytes: Uint8Array): string[] {
  const lines = new TextDecoder().decode(bytes).split('\n');
  lines.pop();
  return lines.map((l) => l.replace(/\r+$/, ''));
}

/** Python's spellings of non-finite floats (nan, inf, -Infinity), else null. */
function nonFiniteOf(s: string): number | null {
  if (/^[-+]?nan$/i.test(s)) return Number.NaN;
  const m = /^([-+]?)inf(inity)?$/i.exec(s);
  return m ? (m[1] === '-' ? -1 : 1) * Number.POSITIVE_INFINITY : null;
}

function restartMarker(): (rec: MetricRecord) => MetricRecord {
  let lastStep: number | null = null;
  let lastEpoch: number | null = null;
  return (rec) => {
    if (rec.step !== null) {
      if (
        lastStep !== null &&
        rec.step < lastStep &&
        !(rec.epoch !== null && lastEpoch !== null && rec.epoch > lastEpoch)
      )
        rec.restart = true;
      lastStep = rec.step;
    }
    if (rec.epoch !== null) lastEpoch = rec.epoch;
    return rec;
  };
}

const STEP_RANK: Record<string, number> = { step: 0, iteration: 1, iter: 2, global_step: 3 };

/** Adds one named value: counters and a Unix time are taken out, the rest are metrics. */
function put(rec: MetricRecord, k: string, v: number): void {
  const rank = STEP_RANK[k];
  if (k === 'epoch') {
    if (rec.epoch === null && Number.isFinite(v)) rec.epoch = v;
  } else if (rank !== undefined) {
    // the first step name in STEP_RANK order wins (MMEngine writes both `iter` and `step`)
    if (rank < stepRank && Number.isFinite(v)) [rec.step, stepRank] = [v, rank];
  } else if (
    (k === 'time' || k === 'timestamp' || k === 'wall_time') &&
    rec.time === null &&
    v >= 1e9 &&
    v < 1e13
  ) {
    rec.time = v < 1e10 ? v * 1000 : v;
  } else rec.metrics[k] = v;
}
let stepRank = 4; // of the record being built
function newRecord(): MetricRecord {
  stepRank = 4;
  return { epoch: null, step: null, time: null, metrics: {} };
}
const hasMetrics = (rec: MetricRecord) => Object.keys(rec.metrics).length > 0;

/** JSON.parse, and on failure again with Python's bare NaN / Infinity quoted (outside strings). */
function parseJsonWithNaN(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line);
  } catch {
    return JSON.parse(
      line.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m[0] === '"' ? m : `"${m}"`)),
    );
  }
}

function baselineJsonl(bytes: Uint8Array): MetricRecord[] {
  const out: MetricRecord[] = [];
  const mark = restartMarker();
  for (const l of linesOf(bytes)) {
    if (!l.trim()) continue;
    const o = parseJsonWithNaN(l);
    const rec = newRecord();
    for (const k in o) {
      const v = o[k];
      const n = typeof v === 'number' ? v : typeof v === 'string' ? nonFiniteOf(v) : null;
      if (n !== null) put(rec, k, n);
    }
    if (hasMetrics(rec)) out.push(mark(rec));
  }
  return out;
}

function baselineCsv(bytes: Uint8Array): MetricRecord[] {
  const lines = linesOf(bytes);
  const header = lines[0]!.split(',').map((c) => c.trim());
  const out: MetricRecord[] = [];
  const mark = restartMarker();
  for (let i = 1; i < lines.length; i++) {
    const rec = newRecord();
    const cells = lines[i]!.split(',');
    for (let j = 0; j < cells.length; j++) {
      const t = cells[j]!.trim();
      if (t === '') continue;
      const v = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : nonFiniteOf(t);
      if (v !== null) put(rec, header[j]!, v);
    }
    if (hasMetrics(rec)) out.push(mark(rec));
  }
  return out;
}

/** The three line styles in the data: MMDetection, nanoGPT, Keras (whose epoch carries over). */
function baselineText(bytes: Uint8Array): MetricRecord[] {
  const out: MetricRecord[] = [];
  const mark = restartMarker();
  let carried: number | null = null;
  for (const l of linesOf(bytes)) {
    let epoch: number | null = null;
    let step: number | null = null;
    const mm = /Epoch \[(\d+)\]\[(\d+)\/\d+\]/.exec(l);
    const keras = mm ? null : /Epoch (\d+)\/\d+/.exec(l);
    const nano = mm || keras ? null : /\biter (\d+)/.exec(l);
    if (mm) [epoch, step] = [Number(mm[1]), Number(mm[2])];
    else if (keras) epoch = Number(keras[1]);
    else if (nano) step = Number(nano[1]);
    const rec: MetricRecord = { epoch: epoch ?? carried, step, time: null, metrics: {} };
    if (epoch !== null) carried = epoch;
    for (const p of l.matchAll(
      /([A-Za-z_]\w*):? ([-+]?\d[\d.]*(?:e[-+]?\d+)?|nan|inf)(?:ms|%)?(?=[,\s]|$)/gi,
    )) {
      if (p[1] !== 'eta') rec.metrics[p[1]!] = nonFiniteOf(p[2]!) ?? Number(p[2]);
    }
    if (Object.keys(rec.metrics).length > 0 && (epoch ?? step) !== null) out.push(mark(rec));
  }
  return out;
}

// Byte-at-a-time table CRC32C, as a reader without slicing-by-8 would do it.
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

/** A plain protobuf walk: every field of a message as [number, wire type, value or bytes]. */
function fieldsOf(b: Uint8Array): [number, number, number | Uint8Array][] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, number, number | Uint8Array][] = [];
  let p = 0;
  const varint = () => {
    let v = 0;
    for (let mul = 1; ; mul *= 128) {
      const x = b[p++]!;
      v += (x & 127) * mul;
      if (x < 128) return v;
    }
  };
  while (p < b.length) {
    const key = varint();
    const wt = key & 7;
    const at = p;
    if (wt === 0) out.push([key >>> 3, wt, varint()]);
    else if (wt === 1) {
      p += 8;
      out.push([key >>> 3, wt, dv.getFloat64(at, true)]);
    } else if (wt === 5) {
      p += 4;
      out.push([key >>> 3, wt, dv.getFloat32(at, true)]);
    } else if (wt === 2) {
      const len = varint();
      out.push([key >>> 3, wt, b.subarray(p, p + len)]);
      p += len;
    } else throw new Error(`wire type ${wt}`);
  }
  return out;
}
const field = (fs: [number, number, number | Uint8Array][], no: number) => fs.find((f) => f[0] === no)?.[2];

/** A float32 as the shortest decimal that is the same float32 (as Vigil shows it), the plain way. */
function shortest32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p <= 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

/** A rank-0 float / double tensor (typed field, packed or not, or tensor_content), else null. */
function tensorScalar(t: Uint8Array): number | null {
  const fs = fieldsOf(t);
  const dtype = field(fs, 1);
  const shape = field(fs, 2) as Uint8Array | undefined;
  if (shape && fieldsOf(shape).some(([no, , d]) => no === 2 && field(fieldsOf(d as Uint8Array), 1) !== 1))
    return null;
  const content = field(fs, 4) as Uint8Array | undefined;
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dtype === 1) {
    if (content) return shortest32(dv(content).getFloat32(0, true));
    const v = field(fs, 5);
    const f = v instanceof Uint8Array ? dv(v).getFloat32(0, true) : (v ?? null);
    return typeof f === 'number' ? shortest32(f) : f;
  }
  if (dtype === 2) {
    if (content) return dv(content).getFloat64(0, true);
    const v = field(fs, 6);
    return v instanceof Uint8Array ? dv(v).getFloat64(0, true) : (v ?? null);
  }
  return null;
}

/** TensorBoard-style: frame by frame, both CRCs checked byte at a time, then Event → Summary → Value. */
function baselineTfevents(bytes: Uint8Array): MetricRecord[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder();
  const out: MetricRecord[] = [];
  let epoch: number | null = null;
  for (let at = 0; at + 12 <= bytes.length; ) {
    const len = dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 2 ** 32;
    if (at + 16 + len > bytes.length) break; // cut off
    if (dv.getUint32(at + 8, true) !== simpleMaskedCrc(bytes, at, at + 8)) throw new Error('length crc');
    const s = at + 12;
    at = s + len + 4;
    if (dv.getUint32(s + len, true) !== simpleMaskedCrc(bytes, s, s + len)) continue; // skipped, warned
    const ev = fieldsOf(bytes.subarray(s, s + len));
    const metrics: Record<string, number> = {};
    let n = 0;
    for (const [no, , summary] of ev) {
      if (no !== 5) continue;
      for (const [vno, , value] of fieldsOf(summary as Uint8Array)) {
        if (vno !== 1) continue;
        const vf = fieldsOf(value as Uint8Array);
        const tag = utf8.decode(field(vf, 1) as Uint8Array);
        const meta = field(vf, 9) as Uint8Array | undefined;
        const plugin = meta && (field(fieldsOf(meta), 1) as Uint8Array | undefined);
        const name = plugin && (field(fieldsOf(plugin), 1) as Uint8Array | undefined);
        const simple = field(vf, 2) as number | undefined;
        const tensor = field(vf, 8) as Uint8Array | undefined;
        let v: number | null = null;
        if (simple !== undefined) v = shortest32(simple);
        else if (tensor && (!name || utf8.decode(name) === 'scalars')) v = tensorScalar(tensor);
        if (v === null) continue;
        if (tag === 'epoch') epoch = v;
        else {
          metrics[tag] = v;
          n++;
        }
      }
    }
    if (n === 0) continue;
    const wall = field(ev, 1) as number | undefined;
    const step = field(ev, 2) as number | undefined;
    out.push({ epoch, step: step ?? null, time: wall === undefined ? null : wall * 1000, metrics });
  }
  return out;
}

function ours(formatId: string, bytes: Uint8Array, each?: (rec: MetricRecord) => void): number {
  const p = formatById(formatId).create();
  let n = 0;
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const r = p.push(bytes.subarray(at, at + CHUNK));
    n += r.records.length;
    if (r.warnings.length) throw new Error(`${formatId}: ${r.warnings[0]!.message}`);
    if (each) for (const rec of r.records) each(rec);
  }
  return n;
}

/** Both sides must read the same records from the bench data, or the comparison means nothing. */
function checkSame(id: string, bytes: Uint8Array, baseline: (b: Uint8Array) => MetricRecord[]): void {
  const expected = baseline(bytes);
  let i = 0;
  const n = ours(id, bytes, (rec) => {
    const want = expected[i++];
    if (!isDeepStrictEqual(rec, want))
      throw new Error(`${id}: record ${i - 1} differs:\n ours     ${show(rec)}\n baseline ${show(want)}`);
  });
  if (n !== expected.length) throw new Error(`${id}: ${n} records, the baseline read ${expected.length}`);
}
const show = (r: unknown) =>
  JSON.stringify(r, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

/**
 * Best of `runs` for each side, the two sides taking turns: a run pays for the garbage the run before it
 * left (the generator's, the other side's) and for JIT warm-up, so neither side should always go first.
 */
function bestOfEach(sides: (() => number)[], runs: number): number[] {
  const best = sides.map(() => Number.POSITIVE_INFINITY);
  for (let i = 0; i < runs; i++) {
    sides.forEach((fn, k) => {
      const t0 = performance.now();
      const n = fn();
      best[k] = Math.min(best[k]!, performance.now() - t0);
      if (n === 0) throw new Error('read nothing');
    });
  }
  return best;
}

const CASES: [string, () => Uint8Array, (b: Uint8Array) => MetricRecord[]][] = [
  ['jsonl', jsonlData, baselineJsonl],
  ['csv', csvData, baselineCsv],
  ['text', textData, baselineText],
  ['tfevents', tfeventsData, baselineTfevents],
];

for (const [id, make, baseline] of CASES.filter(([id]) => !process.env.ONLY || id === process.env.ONLY)) {
  const bytes = make();
  checkSame(id, bytes, baseline); // also the warm-up: both sides run JIT-compiled code after it
  const [baseMs, mineMs] = bestOfEach([() => baseline(bytes).length, () => ours(id, bytes)], 3);
  const base = bytes.length / MB / (baseMs! / 1000);
  const mine = bytes.length / MB / (mineMs! / 1000);
  console.log(
    `BENCH ingest_${id}_mb_s ${mine.toFixed(1)} MB/s baseline=${base.toFixed(1)} ratio=${(mine / base).toFixed(2)} (${(bytes.length / MB).toFixed(0)} MB)`,
  );
}
