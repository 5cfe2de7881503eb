import { describe, expect, it } from 'vitest';
import { enc, feed, randomChunks } from './test-helpers';
import { createTextParser } from './text';

function parse(s: string) {
  const p = createTextParser();
  const r = feed(p, [enc(s)]);
  return { ...r, facts: p.facts() };
}

describe('text logs', () => {
  it('reads `Epoch 3/50 - loss: 0.41 - val_loss: 0.52` and the total epochs', () => {
    const r = parse('Epoch 3/50 - loss: 0.41 - val_loss: 0.52\n');
    expect(r.records).toEqual([
      { epoch: 3, step: null, time: null, metrics: { loss: 0.41, val_loss: 0.52 } },
    ]);
    expect(r.facts.totalEpochs).toBe(50);
  });

  it('reads nanoGPT: `iter 100: loss 2.34, time 40ms` and `step 400: train loss 3.33, val loss 3.37`', () => {
    const r = parse(
      'iter 100: loss 2.3400, time 40.12ms, mfu 12.34%\nstep 400: train loss 3.3300, val loss 3.3700\n',
    );
    expect(r.records).toEqual([
      { epoch: null, step: 100, time: null, metrics: { loss: 2.34, time: 40.12, mfu: 12.34 } },
      { epoch: null, step: 400, time: null, metrics: { train_loss: 3.33, val_loss: 3.37 } },
    ]);
  });

  it('reads `loss=0.4` with no counter, but not config lines', () => {
    const r = parse(
      [
        'loss=0.4',
        "optimizer = dict(type='SGD', lr=0.0025, momentum=0.9, weight_decay=0.0001)",
        'fp16 = dict(loss_scale=512.0)',
        "        type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),",
        'WARNING: something without numbers',
        '',
      ].join('\n'),
    );
    expect(r.records).toEqual([{ epoch: null, step: null, time: null, metrics: { loss: 0.4 } }]);
  });

  it('carries Keras stdout epochs from their own line to the metrics line', () => {
    const r = parse(
      [
        'Epoch 1/50',
        '250/250 [==============================] - 3s 12ms/step - loss: 0.6100 - accuracy: 0.7 - val_loss: 0.5200',
        'Epoch 2/50',
        '250/250 [==============================] - 3s 11ms/step - loss: 0.4100 - accuracy: 0.8 - val_loss: 0.4800',
        '',
      ].join('\n'),
    );
    expect(r.records.map((x) => [x.epoch, x.metrics])).toEqual([
      [1, { loss: 0.61, accuracy: 0.7, val_loss: 0.52 }],
      [2, { loss: 0.41, accuracy: 0.8, val_loss: 0.48 }],
    ]);
    expect(r.facts.totalEpochs).toBe(50);
  });

  it('keeps nan, NaN and inf as values', () => {
    const r = parse('step 5: loss nan\nstep 6: loss=NaN, grad_norm: inf\n');
    expect(r.records.map((x) => x.metrics)).toEqual([
      { loss: Number.NaN },
      { loss: Number.NaN, grad_norm: Number.POSITIVE_INFINITY },
    ]);
  });

  it('does not make a record of a line with counters but no metric', () => {
    expect(parse('Epoch 3/50\nstep 100\n').records).toEqual([]);
  });

  it('reads Hugging Face stdout dicts and `Epoch [3/50]`', () => {
    const r = parse("{'loss': 0.41, 'learning_rate': 5e-05, 'epoch': 0.5}\nEpoch [3/50] loss: 0.3\n");
    expect(r.records).toEqual([
      { epoch: 0.5, step: null, time: null, metrics: { loss: 0.41, learning_rate: 5e-5 } },
      { epoch: 3, step: null, time: null, metrics: { loss: 0.3 } },
    ]);
  });

  it('reads tqdm bars redrawn with \\r: step, total, rate and ETA', () => {
    const bar = (n: number, eta: string, loss: number) =>
      `\r${n / 10}%|█▏   | ${n}/1000 [00:30<${eta}, 4.0it/s, loss=${loss}]`;
    const r = parse(bar(110, '03:42', 0.45) + bar(120, '03:40', 0.41) + '\n');
    expect(r.records.map((x) => [x.step, x.metrics])).toEqual([
      [110, { loss: 0.45 }],
      [120, { loss: 0.41 }],
    ]);
    expect(r.facts.progress).toEqual({ step: 120, total: 1000, rate: 4, etaSeconds: 220 });
    const slow = parse(' 5%|▌ | 5/100 [00:50<15:50, 10.00s/it, loss=1.2]\n');
    expect(slow.facts.progress).toMatchObject({ rate: 0.1, etaSeconds: 950 });
  });

  it('reads MMDetection lines, with the TAB, and ignores the eta clock', () => {
    const r = parse(
      '2020-07-20 05:45:27,657 - mmdet - INFO - Epoch [1][50/361]\tlr: 2.473e-04, eta: 1:20:05, time: 1.122, loss: 1.4563\n',
    );
    expect(r.records).toEqual([
      { epoch: 1, step: 50, time: null, metrics: { lr: 2.473e-4, time: 1.122, loss: 1.4563 } },
    ]);
  });

  it('gives the same records in any chunking, CRLF included', () => {
    const text = [
      'Epoch 1/3',
      '10/10 [====] - loss: 0.5',
      'iter 1: loss 2.0, time 1ms',
      '\r 1%| | 1/100 [00:01<01:39, 1.0it/s, loss=1]\r 2%| | 2/100 [00:02<01:38, 1.0it/s, loss=0.9]',
      'step 2: train loss nan, val loss inf',
      'no numbers here',
      '',
    ].join('\r\n');
    const bytes = enc(text);
    const whole = feed(createTextParser(), [bytes]);
    expect(whole.records).toHaveLength(5);
    for (let seed = 1; seed <= 20; seed++)
      expect(feed(createTextParser(), randomChunks(bytes, seed))).toEqual(whole);
  });

  it('ignores binary garbage and reads the good lines after it', () => {
    const garbage = Uint8Array.from({ length: 5000 }, (_, i) => (i * 131) % 256);
    const bytes = new Uint8Array([...garbage, 10, ...enc('step 7: loss 0.25\n')]);
    const r = feed(createTextParser(), randomChunks(bytes, 9));
    expect(r.records.at(-1)).toEqual({ epoch: null, step: 7, time: null, metrics: { loss: 0.25 } });
  });
});
