import { describe, expect, it } from 'vitest';
import { inspectBytes } from './inspect';
import { enc, fixture } from './test-helpers';

describe('inspectBytes (vigil inspect --json)', () => {
  it('gives the InspectResult object for a real file', () => {
    // Lightning CSV: 4 rows, the newest is the val row (epoch 1 as written from 0: the 2nd, step 137); the
    // newest train_loss is row 3's.
    const r = inspectBytes('metrics.csv', fixture('lightning-csv/glitch-classification-metrics.csv'));
    expect(r).toEqual({
      format: 'csv',
      formatReason: 'its name "metrics.csv" says csv',
      records: 4,
      metrics: ['train_loss', 'val_loss'],
      lossMetric: 'train_loss',
      last: {
        epoch: 2,
        step: 137,
        loss: 0.19502906501293182,
        metrics: { train_loss: 0.19502906501293182, val_loss: 0.14366206526756287 },
      },
      warnings: [],
    });
  });

  it('gives the epoch as people count it: a Keras row `29,…` is epoch 30; HF fractional epochs stay', () => {
    const keras = fixture('keras-csv/tomato-leaf-cnn-training_log.csv'); // epochs 0–28 as written
    expect(inspectBytes('training_log.csv', keras).last.epoch).toBe(29);
    const rows = Array.from({ length: 30 }, (_, e) => `${e},0.5,0.${e}\n`).join('');
    expect(inspectBytes('log.csv', enc(`epoch,accuracy,loss\n${rows}`)).last.epoch).toBe(30);
    const hf =
      '{"log_history": [{"epoch": 0, "step": 0, "eval_loss": 2}, {"epoch": 0.5, "step": 5, "loss": 1}]}';
    expect(inspectBytes('trainer_state.json', enc(hf)).last.epoch).toBe(0.5);
  });

  it('says why it chose the format: the name, the content, or because it was given', () => {
    expect(inspectBytes('results.csv', enc('epoch,loss\n1,2\n')).formatReason).toBe(
      'its name "results.csv" says csv',
    );
    expect(
      inspectBytes('log.txt', enc('{"epoch": 1, "loss": 1}\n{"epoch": 2, "loss": 0.5}\n')).formatReason,
    ).toMatch(/^its content reads as jsonl \(confidence 0\.\d+\)$/);
    expect(inspectBytes('x.log', enc('a,b\n1,2\n'), { format: 'csv' }).formatReason).toBe(
      'given, not detected',
    );
    expect(inspectBytes('blob', new Uint8Array([0, 1, 2, 0])).formatReason).toBeNull();
  });

  it('encodes non-finite numbers as strings and honours a configured loss', () => {
    const r = inspectBytes('m.jsonl', enc('{"step": 1, "loss": NaN, "aux": Infinity, "v": -Infinity}'));
    expect(r.last).toEqual({
      epoch: null,
      step: 1,
      loss: 'NaN',
      metrics: { loss: 'NaN', aux: 'Infinity', v: '-Infinity' },
    });
    expect(JSON.parse(JSON.stringify(r)).last.loss).toBe('NaN');
    expect(
      inspectBytes('m.jsonl', enc('{"step": 1, "loss": 1, "aux": 2}\n'), { loss: 'aux' }).last.loss,
    ).toBe(2);
  });

  it('reads an unterminated last line of a complete file', () => {
    expect(inspectBytes('train.log', enc('step 1: loss 0.5\nstep 2: loss 0.4')).records).toBe(2);
  });

  it('says why when it cannot read the file', () => {
    const unknown = inspectBytes('notes.md', enc('# notes\nwords\n'));
    expect(unknown.format).toBeNull();
    expect(unknown.why).toMatch(/no known format/);
    expect(inspectBytes('x', enc(''), { format: 'parquet' }).why).toMatch(/Known formats: .*jsonl/);
    expect(inspectBytes('x', enc('a\n'), { regex: '(?<loss>[' }).why).toMatch(/Invalid regex/);
    const nothing = inspectBytes('train.log', enc('starting up\n'));
    expect(nothing).toMatchObject({ format: 'text', records: 0, lossMetric: null });
    expect(nothing.why).toMatch(/no line carries a metric/);
  });

  it('reads a forced format and a user regex', () => {
    const r = inspectBytes('out.txt', enc('E1 L=0.5\nE2 L=0.25\n'), {
      regex: String.raw`E(?<epoch>\d+) L=(?<loss>\S+)`,
    });
    expect(r).toMatchObject({
      format: 'regex',
      records: 2,
      lossMetric: 'loss',
      last: { epoch: 2, loss: 0.25 },
    });
  });
});
