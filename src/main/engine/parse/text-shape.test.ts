// The shape cache must read every line exactly as scanTextLine does: checked on generated lines (many
// sharing a shape with other counters, values, NaN/inf, signs, exponents, digit-holding names, ANSI
// codes, timestamps, tqdm and Keras bars) and on the real fixture logs, line by line and record by record.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { enc, FIXTURES, feed, randomChunks, rng } from './test-helpers';
import { createTextParser, textParserUsing } from './text';
import { scanTextLine } from './text-line';
import { decimalAt, MAX_SHAPES, TextShapeCache } from './text-shape';

/** Exact: -0 is not 0, NaN is NaN. */
const show = (x: unknown) =>
  JSON.stringify(x, (_, v) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v));

const D = '§'; // a run of digits in a skeleton

const COUNTERS = [
  'Epoch §/§',
  'Epoch [§][§/§]',
  'Epoch(val) [§][ §/§]',
  'Epoch(train) [§][§/§]',
  'Iter [§/§]',
  'Iter(val) [§/§]',
  'iter §:',
  'step §:',
  'step §',
  'global_step=§',
  'epoch: §',
  'Epoch § of §',
  '[Epoch §/§]',
  'step#§',
  'Step: §.§',
  'iteration §/§',
  'epoch §.§',
];
const TIMESTAMPS = [
  '§-§-§ §:§:§,§',
  '§-§-§T§:§:§.§Z',
  '§-§-§ §:§:§+§:§',
  '§-§-§ §:§:§-§',
  '§-§-§ §:§:§',
  '[§-§-§ §:§:§]',
];
const NAMES = [
  'loss',
  'val_loss',
  'train loss',
  'val loss',
  "'loss'",
  '"lr"',
  'grad_norm',
  'lr',
  'time',
  'timestamp',
  'mfu',
  'acc',
  'd§.loss_cls',
  'top§',
  'layer§.w',
  'eta',
  'line',
  'Loss',
  's§.loss',
  'learning_rate',
  'epoch',
  'step',
  'iter',
  'Iter',
  'train_Loss',
  'loss_§',
  'eval loss',
];
const SEPS = [': ', '=', ' ', ':', ' = ', ':  '];
const VALUES = [
  '§.§',
  '§.§',
  '-§.§',
  '§',
  '§.§e-§',
  '§e+§',
  '-§.§E§',
  'nan',
  'NaN',
  '-inf',
  'inf',
  'Infinity',
  '-nan',
  '.§',
  '§.',
  '+§.§',
  '-§',
];
const UNITS = ['', '', '', '%', 'ms', 's', 'it/s', 's/it'];
const OTHER = [
  'bbox_mAP_copypaste: §.§ §.§ §.§',
  '§%|█▏   | §/§ [§:§<§:§, §.§it/s, loss=§.§]',
  '§/§ [§:§<?, ?it/s]',
  '§/§ [§:§<§:§, §.§s/it, loss=§]',
  '§/§ [==============================] - §s §ms/step',
  '§/§ [=====>....] - ETA: §s',
  '\x1b[§;§m',
  '\x1b[§m',
  '\x08',
  'INFO',
  '-',
  'mmdet',
  'Saving checkpoint_§.pt',
  '{',
  '}',
  'WARNING',
  'x§y',
  '§',
  '§:§:§',
  'eta: §:§:§',
  'max: § epochs',
  'total_epochs = §',
  'x: §.§ step § §.§',
  'x: §.§ step §',
  'x: §.§  §/§ [==>..] §',
  'y=§.§\tIter [§/§] §',
  '§-§-§ §:§:§§.§',
];
const JOINS = [' ', ', ', ' - ', '\t', ' | ', '  ', '', '\t\t', '      ', ',', ' (', ') '];
const LENGTHS = [1, 1, 2, 2, 3, 4, 4, 5, 6, 8, 12, 17];

function skeleton(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const parts: string[] = [];
  for (let n = 1 + Math.floor(r() * 7); n > 0; n--) {
    const x = r();
    if (x < 0.15) parts.push(pick(COUNTERS));
    else if (x < 0.25) parts.push(pick(TIMESTAMPS));
    else if (x < 0.7) parts.push(pick(NAMES) + pick(SEPS) + pick(VALUES) + pick(UNITS));
    else parts.push(pick(OTHER));
    if (n > 1) parts.push(pick(JOINS));
  }
  return parts.join('');
}

/** Lines of one skeleton: the same digit-run lengths most of the time (one shape), other ones sometimes. */
function variants(sk: string, count: number, r: () => number): string[] {
  const runs = sk.split(D).length - 1;
  const base = Array.from({ length: runs }, () => LENGTHS[Math.floor(r() * LENGTHS.length)]!);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const out: string[] = [];
  for (let v = 0; v < count; v++) {
    let k = 0;
    out.push(
      sk.replace(/§/g, () => {
        const b = base[k++]!;
        // Mostly the same length; else another length of the same class (5+), or any length.
        const x = r();
        return digits(
          x < 0.9 ? b : x < 0.95 && b >= 5 ? 5 + Math.floor(r() * 16) : LENGTHS[Math.floor(r() * 12)]!,
        );
      }),
    );
  }
  return out;
}

/** A log of generated lines: a few shapes interleaved, as a training loop prints them. */
function generatedLog(seed: number, skeletons: number): string[] {
  const r = rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < skeletons; i += 4) {
    const group = Array.from({ length: 4 }, () => variants(skeleton(r), 1 + Math.floor(r() * 12), r));
    for (let more = true; more; ) {
      more = false;
      for (const g of group) {
        const l = g.pop();
        if (l !== undefined) {
          lines.push(l);
          more = true;
        }
      }
    }
  }
  return lines;
}

/** The same line with every digit changed (so the same shape) and counters counting up. */
function redigit(line: string, r: () => number): string {
  return line.replace(/\d/g, () => String(Math.floor(r() * 10)));
}

function fixtureFiles(dir = FIXTURES): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = dir + f;
    return statSync(p).isDirectory() ? fixtureFiles(`${p}/`) : /\.md$/.test(f) ? [] : [p];
  });
}

function expectSameLines(lines: string[]): TextShapeCache {
  const cache = new TextShapeCache();
  const wrong: string[] = [];
  for (const l of lines) {
    const got = show(cache.scan(l));
    const want = show(scanTextLine(l));
    if (got !== want && wrong.length < 5)
      wrong.push(`${JSON.stringify(l)}\n  cached ${got}\n  direct ${want}`);
  }
  expect(wrong).toEqual([]);
  return cache;
}

describe('decimalAt', () => {
  it('reads decimals exactly as Number does', () => {
    const r = rng(7);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    for (let i = 0; i < 50_000; i++) {
      const s =
        pick(['', '', '-', '+']) +
        digits(pick([0, 1, 1, 2, 3, 5, 8, 15, 16, 17, 20, 25])) +
        pick(['', '.', '.', '.']) +
        digits(pick([0, 1, 2, 4, 6, 10, 15, 17, 22])) +
        (r() < 0.3 ? pick(['e', 'E']) + pick(['', '-', '+']) + digits(pick([0, 1, 2, 3])) : '');
      const at = `xx${s}yy`;
      const got = decimalAt(at, 2, 2 + s.length);
      if (!Object.is(got, Number(s))) expect([s, got]).toEqual([s, Number(s)]);
    }
    for (const s of [
      '0',
      '-0',
      '-0.0',
      '+0',
      '1.',
      '.5',
      '.',
      '1e',
      '1e-',
      '2.473e-04',
      '5e-05',
      '1e400',
      '1.2.3',
    ])
      expect(Object.is(decimalAt(s, 0, s.length), Number(s))).toBe(true);
  });
});

describe('text shape cache', () => {
  it('reads generated lines exactly as scanTextLine does, mostly from templates', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const lines = generatedLog(seed, 2000);
      const cache = expectSameLines(lines);
      expect(cache.hits).toBeGreaterThan(lines.length / 5);
    }
  });

  it('reads lines sharing a shape with other digits (counters, NaN/inf, signs, exponents) alike', () => {
    const r = rng(11);
    const shapes = [
      '2020-07-20 05:45:27,657 - mmdet - INFO - Epoch [1][50/361]\tlr: 2.473e-04, eta: 1:20:05, time: 1.122, loss: 1.4563',
      '2020-07-20 05:45:27,657 - mmdet - INFO - Epoch(val) [1][50/361]\tlr: 2.473e-04, loss_cls: nan, loss: -inf',
      'Epoch 3/50 - loss: 0.41 - val_loss: -0.52',
      'iter 100: loss 2.3400, time 40.12ms, mfu 12.34%',
      'step 400: train loss 3.3300, val loss 3.3700',
      "{'loss': 0.4123, 'learning_rate': 4.9e-05, 'grad_norm': 12.345678901234567, 'epoch': 0.04}",
      '250/250 [==============================] - 3s 12ms/step - loss: 0.6100 - accuracy: 0.7 - val_loss: 0.5200',
      ' 12%|█▏   | 120/1000 [00:30<03:40, 4.0it/s, loss=0.41]',
      ' 5%|▌ | 5/100 [00:50<15:50, 10.00s/it, loss=1.2]',
      ' 5%|▌ | 5/100 [00:50<15:50, 0.00s/it, loss=1.2]',
      '\x1b[32m2024-01-02 03:04:05.123\x1b[0m | step 7 | d0.loss_cls: 0.5, d1.loss_bbox: 1e-3, top1 0.9',
      'bbox_mAP_copypaste: 0.358 0.622 0.383 0.201 0.398 0.470',
      'Epoch 3 of 10, step 12345678: loss=1.5E+2 lr=.5 acc=1. x=-0',
    ];
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) for (const s of shapes) lines.push(redigit(s, r));
    expect(expectSameLines(lines).hits).toBeGreaterThan(lines.length * 0.9);
  });

  it('reads every line of the real fixture logs as scanTextLine does, twice and with other digits', () => {
    const r = rng(3);
    for (const file of fixtureFiles()) {
      const lines = readFileSync(file, 'utf8').split(/[\r\n]+/);
      expectSameLines([...lines, ...lines, ...lines.map((l) => redigit(l, r))]);
    }
  });

  it('gives the same records and facts as the uncached parser, in any chunking', () => {
    const logs = [
      ...fixtureFiles().map((f) => new Uint8Array(readFileSync(f))),
      ...[1, 2, 3].map((seed) => {
        const r = rng(seed + 100);
        return enc(generatedLog(seed, 500).join(r() < 0.5 ? '\n' : '\r'));
      }),
    ];
    for (const [i, bytes] of logs.entries()) {
      const direct = textParserUsing(scanTextLine);
      const want = feed(direct, [bytes]);
      const cached = createTextParser();
      const got = feed(cached, randomChunks(bytes, i + 1));
      expect(show(got)).toBe(show(want));
      expect(show(cached.facts())).toBe(show(direct.facts()));
    }
  });

  it('stays bounded on a log where no two lines share a shape', () => {
    const cache = new TextShapeCache();
    const word = (i: number) => i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)]!);
    for (let i = 0; i < 3 * MAX_SHAPES; i++) {
      const l = `step ${i}: loss_${word(i)} 0.${i}`;
      expect(show(cache.scan(l))).toBe(show(scanTextLine(l)));
      expect(show(cache.scan(l))).toBe(show(scanTextLine(l)));
      expect(cache.size).toBeLessThanOrEqual(MAX_SHAPES);
    }
  });

  it('stops hashing during a run of unique lines, and caches again after it', () => {
    const word = (i: number) => i.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)]!);
    const r = rng(5);
    const lines = [
      ...Array.from({ length: 5000 }, (_, i) => `[${word(i)}] step ${i}: loss 0.${i}`),
      ...Array.from({ length: 40_000 }, (_, i) => redigit(`step ${i % 10}: loss 0.${i % 10}, lr 1e-4`, r)),
    ];
    const cache = expectSameLines(lines);
    // The first window of unique lines has no hit, so the next 16 windows are read without the cache.
    expect(cache.hits).toBeLessThan(lines.length - 16 * 1024);
    expect(cache.hits).toBeGreaterThan(lines.length - 18 * 1024);
  });

  it('reads lines too long or with too many numbers for the cache the ordinary way', () => {
    const long = `step 1: loss 0.5 ${'x '.repeat(3000)}`;
    const many = `step 1: ${Array.from({ length: 300 }, (_, i) => `m${i}=${i}.5`).join(' ')}`;
    expectSameLines([long, long, long, many, many, many]);
  });
});
