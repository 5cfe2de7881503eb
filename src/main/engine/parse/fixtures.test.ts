// Every real fixture, read as a user would check it: the figures below were worked out by hand from
// the files (see the comment on each row).
import { describe, expect, it } from 'vitest';
import { detectFormat, formatById } from './registry';
import { type Figures, feed, figures, fixture, randomChunks } from './test-helpers';

interface Case {
  path: string;
  format: string;
  expect: Figures;
  totalEpochs?: number;
}

const PHASE1_CASES: Case[] = [
  // 4 data rows alternating train/val; names appear train_loss then val_loss → train_loss. The newest
  // row is the val row `1,137,,0.1436…`; the newest train_loss is row 3's 0.19502906501293182.
  {
    path: 'lightning-csv/glitch-classification-metrics.csv',
    format: 'csv',
    expect: { records: 4, lossMetric: 'train_loss', epoch: 1, step: 137, loss: 0.19502906501293182 },
  },
  // 2 rows, epoch is the last column: `0.038861844688653946,99,0`.
  {
    path: 'lightning-csv/pytorchlit15min-metrics.csv',
    format: 'csv',
    expect: { records: 2, lossMetric: 'train_loss', epoch: 0, step: 99, loss: 0.038861844688653946 },
  },
  // 26 lines = header + 25 rows (epochs 0–24). No preferred loss name, so the first name with "loss"
  // not starting with val: train/box_loss; last row `24, 0.93868, …`. No step column.
  {
    path: 'yolo-csv/yolov8-fire-smoke-results.csv',
    format: 'csv',
    expect: { records: 25, lossMetric: 'train/box_loss', epoch: 24, step: null, loss: 0.93868 },
  },
  // 30 lines = header + 29 rows (epochs 0–28); last row `28,0.966…,0.091253668,…`.
  {
    path: 'keras-csv/tomato-leaf-cnn-training_log.csv',
    format: 'csv',
    expect: { records: 29, lossMetric: 'loss', epoch: 28, step: null, loss: 0.091253668 },
  },
  // 97 lines − the env_info header = 84 train + 12 val. The newest line is the epoch-12 val line (iter
  // 361, no loss); the newest loss is the epoch-12 iter-350 train line's 0.21902.
  {
    path: 'mmdet-jsonl/faster-rcnn-20200720_054407.log.json',
    format: 'jsonl',
    expect: { records: 96, lossMetric: 'loss', epoch: 12, step: 361, loss: 0.21902 },
  },
  // 15 lines, iteration 19..299; total_loss is a preferred name; last line total_loss 0.26559973329131026.
  {
    path: 'detectron2-jsonl/maskrcnn-train-detectron2-metrics.json',
    format: 'jsonl',
    expect: { records: 15, lossMetric: 'total_loss', epoch: null, step: 299, loss: 0.26559973329131026 },
  },
  // JSON lines despite the name: 4 epochs (0–3); train_loss is preferred; line 4 train_loss 19.34731125831604.
  {
    path: 'text-log/detr-log.txt',
    format: 'jsonl',
    expect: { records: 4, lossMetric: 'train_loss', epoch: 3, step: null, loss: 19.34731125831604 },
  },
  // 96 `Epoch [e][i/361]<TAB>` lines: 84 train + 12 eval. The last is `Epoch [12][361/361]` (eval, no
  // loss); the last train line `Epoch [12][350/361]` ends `loss: 0.2190`. `max: 12 epochs` → total 12.
  {
    path: 'text-log/mmdet-faster-rcnn-20200720_054407.log',
    format: 'text',
    expect: { records: 96, lossMetric: 'loss', epoch: 12, step: 361, loss: 0.219 },
    totalEpochs: 12,
  },
];

function head(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes.subarray(0, 65536));
}

describe.each(PHASE1_CASES)('$path', (c) => {
  const bytes = fixture(c.path);

  it(`is detected as ${c.format}`, () => {
    const d = detectFormat(c.path.split('/').pop()!, head(bytes));
    expect(d.format?.id).toBe(c.format);
  });

  it('gives the figures worked out by hand', () => {
    const parser = formatById(c.format).create();
    const r = feed(parser, [bytes]);
    expect(r.warnings).toEqual([]);
    expect(figures(r.records)).toEqual(c.expect);
    if (c.totalEpochs !== undefined) expect(parser.facts().totalEpochs).toBe(c.totalEpochs);
  });

  it('gives the same records in any chunking', () => {
    const whole = feed(formatById(c.format).create(), [bytes]);
    for (let seed = 1; seed <= 5; seed++) {
      const parser = formatById(c.format).create();
      const chunked = feed(parser, randomChunks(bytes, seed));
      expect(chunked).toEqual(whole);
    }
  });

  it('gives the same records with CRLF and \\r\\r\\n line ends', () => {
    const text = new TextDecoder().decode(bytes);
    const whole = feed(formatById(c.format).create(), [bytes]);
    for (const eol of ['\r\n', '\r\r\n']) {
      const variant = new TextEncoder().encode(text.replaceAll('\n', eol));
      const r = feed(formatById(c.format).create(), randomChunks(variant, 7));
      expect(r.records).toEqual(whole.records);
    }
  });
});
