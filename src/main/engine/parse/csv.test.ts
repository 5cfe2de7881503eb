import { describe, expect, it } from 'vitest';
import { createCsvParser, splitCsvLine } from './csv';
import { enc, feed } from './test-helpers';

const parse = (s: string) => feed(createCsvParser(), [enc(s)]);

describe('csv', () => {
  it('trims padded names and values (older Ultralytics)', () => {
    const r = parse('   epoch,   train/box_loss,  val/box_loss\n       0,           1.68,          2.33\n');
    expect(r.records).toEqual([
      { epoch: 0, step: null, time: null, metrics: { 'train/box_loss': 1.68, 'val/box_loss': 2.33 } },
    ]);
  });

  it('treats empty cells as absent values (Lightning train/val rows)', () => {
    const r = parse('epoch,step,train_loss,val_loss\n0,49,0.21,\n0,68,,0.2155\n');
    expect(r.records.map((x) => x.metrics)).toEqual([{ train_loss: 0.21 }, { val_loss: 0.2155 }]);
  });

  it('reads CRLF and \\r\\r\\n line ends', () => {
    for (const eol of ['\r\n', '\r\r\n']) {
      const r = parse(['epoch,loss', '0,1.5', '1,1.25', ''].join(eol));
      expect(r.records.map((x) => [x.epoch, x.metrics.loss])).toEqual([
        [0, 1.5],
        [1, 1.25],
      ]);
    }
  });

  it('warns about a row with the wrong number of cells and keeps reading', () => {
    const r = parse('epoch,loss\n0,1.5\n1,1.4,9\n2,1.3\n');
    expect(r.records.map((x) => x.epoch)).toEqual([0, 2]);
    expect(r.warnings).toEqual([{ line: 3, message: expect.stringMatching(/3 cells, the header has 2/) }]);
  });

  it('reads nan and inf cells as numbers and skips text cells', () => {
    const r = parse('step,loss,grad,note\n1,nan,inf,warmup\n');
    expect(r.records[0]!.metrics).toEqual({ loss: Number.NaN, grad: Number.POSITIVE_INFINITY });
  });

  it('reads timm summary.csv and a newer Ultralytics file whose time column is a duration', () => {
    const timm = parse('epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n0,6.9,6.8,0.1,0.5,0.001\n');
    expect(timm.records[0]).toMatchObject({ epoch: 0, metrics: { train_loss: 6.9, eval_top1: 0.1 } });
    const yolo = parse('epoch,time,train/box_loss\n1,61.2,1.5\n');
    expect(yolo.records[0]).toMatchObject({ epoch: 1, time: null, metrics: { time: 61.2 } });
  });

  it('skips a repeated header (a run restarted into the same file)', () => {
    const r = parse('epoch,loss\n0,1.5\nepoch,loss\n0,1.6\n');
    expect(r.warnings).toEqual([]);
    expect(r.records).toHaveLength(2);
    expect(r.records[1]!.restart).toBeUndefined(); // same epoch, no step: nothing to compare
  });

  it('honours quoted cells', () => {
    expect(splitCsvLine('1,"a, b","say ""hi""", 2 ')).toEqual(['1', 'a, b', 'say "hi"', '2']);
  });
});

describe('a header that changes mid-file', () => {
  it('is adopted, with a note: later rows are read by it, wider or as wide', () => {
    const text = [
      'epoch,loss',
      '1,0.9',
      '2,0.8',
      'epoch,loss,val_loss', // a column added
      '3,0.7,0.75',
      '4,0.6,0.65',
      'epoch,train_loss,acc', // as wide, renamed
      '5,0.5,0.9',
      '',
    ].join('\n');
    for (const chunk of [text.length, 7, 1]) {
      const p = createCsvParser();
      const records = [];
      for (let i = 0; i < text.length; i += chunk)
        records.push(...p.push(new TextEncoder().encode(text.slice(i, i + chunk))).records);
      expect(records.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5]);
      expect(records[2]!.metrics).toEqual({ loss: 0.7, val_loss: 0.75 });
      expect(records[4]!.metrics).toEqual({ train_loss: 0.5, acc: 0.9 });
      expect(p.facts().note).toBe(
        'the header changed at line 7 (now "epoch,train_loss,acc"): later rows read by it',
      );
    }
  });

  it('a row of words that is no header (one cell) is still a warning, not a header', () => {
    const p = createCsvParser();
    const r = p.push(new TextEncoder().encode('epoch,loss\n1,0.5\noops\n2,0.4\n'));
    expect(r.records.map((x) => x.epoch)).toEqual([1, 2]);
    expect(r.warnings).toHaveLength(1);
    expect(p.facts().note).toBeUndefined();
  });
});
