import { describe, expect, it } from 'vitest';
import { rng } from './test-helpers';
import { nextPair, pair } from './text-pair';

// The specification text-pair.ts implements by hand.
const PAIR =
  /(?<![\w./-])['"]?((?:(?:train|training|val|valid|validation|test|eval)\s+)?[A-Za-z][\w./-]*)['"]?\s*(?:[:=]\s*|\s+)([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?))(?:%|ms|s|it\/s|s\/it)?(?![\w.:/])/gi;

function byRegex(s: string): string[] {
  const out: string[] = [];
  PAIR.lastIndex = 0;
  for (let m = PAIR.exec(s); m; m = PAIR.exec(s)) out.push(`${m.index}-${PAIR.lastIndex} ${m[1]}=${m[2]}`);
  return out;
}

function byHand(s: string): string[] {
  const out: string[] = [];
  for (let at = 0; nextPair(s, at); at = pair.end) {
    out.push(
      `${pair.start}-${pair.end} ${s.slice(pair.nameStart, pair.nameEnd)}=${s.slice(pair.valueStart, pair.valueEnd)}`,
    );
  }
  return out;
}

const PIECES = [
  ...'abexzEINSTM_019.,:;=/-+%\'"[]()| \t\u00a0\u2003é',
  'loss',
  'train',
  'training',
  'val',
  'Valid',
  'validation',
  'test',
  'EVAL',
  'nan',
  'NaN',
  'inf',
  'Infinity',
  'inity',
  'ms',
  's/it',
  'it/s',
  'e-4',
  'E+5',
  '0.41',
  '.5',
  '12',
  'lr',
  'train loss',
  ': ',
  '= ',
  ' - ',
];

describe('nextPair', () => {
  it('finds what the PAIR regex finds on real lines', () => {
    for (const line of [
      '2020-07-20 05:45:27,657 - mmdet - INFO - Epoch [1][50/1000]\tlr: 2.473e-04, eta: 1:20:05, time: 0.5, loss: nan',
      'iter 100: loss 4.2345, time 12.34ms, mfu 12.34%',
      'Epoch 3/50 - loss: 0.41 - val_loss: 0.52',
      "{'loss': 0.41, 'learning_rate': 4.9e-05, 'epoch': 0.5}",
      'step 400: train loss 3.33, val loss 3.41',
      ' 12%|█▏   | 120/1000 [00:30<03:40, 4.0it/s, loss=0.41]',
      'bbox_mAP_copypaste: 0.358 0.622 0.383, 5.2s/it x=-Infinity y=+inf z=.5e3 w=5.',
    ])
      expect(byHand(line)).toEqual(byRegex(line));
  });

  it('finds what the PAIR regex finds on random lines', () => {
    const r = rng(7);
    for (let n = 0; n < Number(process.env.FUZZ ?? 100_000); n++) {
      let s = '';
      const len = 1 + Math.floor(r() * 14);
      for (let k = 0; k < len; k++) s += PIECES[Math.floor(r() * PIECES.length)];
      const want = byRegex(s);
      const got = byHand(s);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect({ s, got }).toEqual({ s, got: want });
    }
  });
});
