import { describe, expect, it } from 'vitest';
import { createJsonlParser, parseJsonLenient } from './jsonl';
import { enc, feed, randomChunks } from './test-helpers';

const parse = (s: string) => feed(createJsonlParser(), [enc(s)]);

describe('jsonl', () => {
  it('reads bare NaN / Infinity / -Infinity as Python writes them, and leaves strings alone', () => {
    const r = parse('{"step": 1, "loss": NaN, "grad": Infinity, "lr": -Infinity, "note": "NaN here"}\n');
    expect(r.warnings).toEqual([]);
    expect(r.records[0]!.metrics).toEqual({
      loss: Number.NaN,
      grad: Number.POSITIVE_INFINITY,
      lr: Number.NEGATIVE_INFINITY,
    });
    expect(parseJsonLenient('{"a": "x NaN Infinity", "b": NaN}')).toEqual({ a: 'x NaN Infinity', b: 'NaN' });
  });

  it('reads "nan", "inf", "-inf", "Infinity" strings as numbers and skips other strings and lists', () => {
    const r = parse(
      '{"epoch": 2, "a": "nan", "b": "inf", "c": "-inf", "d": "Infinity", "e": "hello", "f": [1, 2]}\n',
    );
    expect(r.records[0]).toEqual({
      epoch: 2,
      step: null,
      time: null,
      metrics: {
        a: Number.NaN,
        b: Number.POSITIVE_INFINITY,
        c: Number.NEGATIVE_INFINITY,
        d: Number.POSITIVE_INFINITY,
      },
    });
  });

  it('takes step from step, iteration, iter or global_step, and flattens nested objects with /', () => {
    expect(parse('{"iteration": 7, "loss": 1}\n').records[0]!.step).toBe(7);
    expect(parse('{"iter": 8, "loss": 1}\n').records[0]!.step).toBe(8);
    expect(parse('{"global_step": 9, "loss": 1}\n').records[0]!.step).toBe(9);
    expect(parse('{"step": 3, "train": {"loss": 0.5, "acc": {"top1": 0.9}}}\n').records[0]!.metrics).toEqual({
      'train/loss': 0.5,
      'train/acc/top1': 0.9,
    });
  });

  it('takes a Unix time (s or ms) as the record time but keeps a per-iteration duration as a metric', () => {
    expect(parse('{"step": 1, "loss": 1, "time": 1700000000.5}\n').records[0]!.time).toBe(1700000000500);
    expect(parse('{"step": 1, "loss": 1, "timestamp": 1700000000123}\n').records[0]!.time).toBe(
      1700000000123,
    );
    const mmdet = parse('{"step": 1, "loss": 1, "time": 1.12}\n').records[0]!;
    expect(mmdet.time).toBeNull();
    expect(mmdet.metrics.time).toBe(1.12);
  });

  it('warns with the line number for lines that are not JSON objects and keeps the others', () => {
    const r = parse('{"step": 1, "loss": 1}\nnot json\n[1,2]\n\n{"step": 2, "loss": 0.5}\n');
    expect(r.records.map((x) => x.step)).toEqual([1, 2]);
    expect(r.warnings.map((w) => w.line)).toEqual([2, 3]);
    expect(r.warnings[0]!.message).toMatch(/line 2 is not JSON/);
  });

  it('waits for a partial last line', () => {
    const p = createJsonlParser();
    expect(p.push(enc('{"step": 1, "loss": 1}\n{"step": 2, "lo')).records).toHaveLength(1);
    expect(p.push(enc('ss": 0.5}')).records).toHaveLength(0);
    expect(p.push(enc('\n')).records).toEqual([{ epoch: null, step: 2, time: null, metrics: { loss: 0.5 } }]);
  });

  it('reads a 4 KB line split across many chunks, and a character split across chunks', () => {
    const fields = Array.from({ length: 200 }, (_, i) => `"metric_${i}": ${i / 7}`).join(', ');
    const line = `{"step": 5, "naïve_loss→": 0.25, ${fields}}\n`;
    expect(line.length).toBeGreaterThan(4096);
    const bytes = enc(line);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) =>
      bytes.subarray(i * 3, i * 3 + 3),
    );
    const r = feed(createJsonlParser(), chunks);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.metrics['naïve_loss→']).toBe(0.25);
    expect(Object.keys(r.records[0]!.metrics)).toHaveLength(201);
  });

  it('survives binary garbage and invalid UTF-8: warnings, no crash, later lines still read', () => {
    const garbage = new Uint8Array(3000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    const bytes = new Uint8Array([
      ...enc('{"step": 1, "loss": 1}\n'),
      ...garbage,
      0xff,
      0xfe,
      10,
      ...enc('{"step": 2, "loss": 0.5}\n'),
    ]);
    const whole = feed(createJsonlParser(), [bytes]);
    expect(whole.records.map((x) => x.step)).toEqual([1, 2]);
    expect(whole.warnings.length).toBeGreaterThan(0);
    expect(feed(createJsonlParser(), randomChunks(bytes, 3))).toEqual(whole);
  });

  it('marks a restart when the step goes back within the same epoch (detectron2 resumed)', () => {
    const r = parse(
      [
        '{"iteration": 19, "total_loss": 2}',
        '{"iteration": 39, "total_loss": 1.8}',
        '{"iteration": 19, "total_loss": 2.1}',
        '{"iteration": 39, "total_loss": 1.7}',
      ].join('\n') + '\n',
    );
    expect(r.records.map((x) => x.restart ?? false)).toEqual([false, false, true, false]);
  });

  it('does not mark a restart when a per-epoch iteration counter starts over at a new epoch (mmdet)', () => {
    const r = parse(
      '{"mode": "train", "epoch": 1, "iter": 350, "loss": 1}\n{"mode": "train", "epoch": 2, "iter": 50, "loss": 0.9}\n',
    );
    expect(r.records.some((x) => x.restart)).toBe(false);
  });

  it('prefixes losses on mmdet val lines so they never pass for the training loss', () => {
    const r = parse('{"mode": "val", "epoch": 1, "iter": 361, "loss": 0.7, "bbox_mAP": 0.3}\n');
    expect(r.records[0]!.metrics).toEqual({ val_loss: 0.7, bbox_mAP: 0.3 });
  });

  it('reads MMEngine scalars.json: val lines carry no epoch and their step counts epochs', () => {
    const r = parse(
      [
        '{"lr": 0.02, "loss": 1.2, "epoch": 1, "iter": 50, "memory": 3000, "step": 50}',
        '{"coco/bbox_mAP": 0.1, "data_time": 0.01, "time": 0.2, "step": 1}',
        '{"lr": 0.02, "loss": 1.0, "epoch": 2, "iter": 100, "memory": 3000, "step": 100}',
      ].join('\n') + '\n',
    );
    expect(r.records.map((x) => [x.epoch, x.step])).toEqual([
      [1, 50],
      [1, null],
      [2, 100],
    ]);
    expect(r.records.some((x) => x.restart)).toBe(false);
  });
});

describe('a line of 50,000 distinct keys', () => {
  it('keeps the first 1,000 names, counts the rest, and still reads counters that come after them', () => {
    const keys = ['"loss": 0.5'];
    for (let k = 0; k < 50_000; k++) keys.push(`"k${k}": ${k}`);
    keys.push('"Epoch": 3', '"global_step": 40');
    for (const line of [`{${keys.join(', ')}}`, `{${keys.join(', ')}, "nested": {"a": 1}}`]) {
      const t0 = performance.now();
      const r = createJsonlParser().push(new TextEncoder().encode(`${line}\n`));
      expect(performance.now() - t0).toBeLessThan(2000);
      const rec = r.records[0]!;
      expect(Object.keys(rec.metrics)).toHaveLength(1000);
      expect(rec.metrics.loss).toBe(0.5);
      expect(rec.epoch).toBe(3);
      expect(rec.step).toBe(40);
      expect(rec.droppedMetrics).toBe(49_001 + (line.includes('nested') ? 1 : 0));
    }
  });
});

describe('deeply nested JSON', () => {
  it('a line nested 5,000 or 100,000 levels deep is skipped with a warning; the lines around it are read', () => {
    for (const depth of [5000, 100_000]) {
      const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const lines = [];
      for (let i = 1; i <= 11; i++) lines.push(`{"epoch": ${i}, "loss": ${1 / i}, "n": {"x": {"y": 1}}}`);
      lines.splice(5, 0, deep);
      const r = createJsonlParser().push(new TextEncoder().encode(`${lines.join('\n')}\n`));
      expect(r.records.map((x) => x.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(r.records[0]!.metrics['n/x/y']).toBe(1);
      expect(r.warnings).toEqual([{ line: 6, message: 'line 6 nests deeper than 64 levels: skipped' }]);
    }
  });
});
