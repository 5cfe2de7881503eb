// A line with no end, at the parser level: every format (and the log scanner) holds at most
// MAX_LINE_BYTES of an unfinished line, skips an overlong one with a warning naming it, reads the
// records after it, and gives the same answer whatever the chunking. (The end-to-end version, through
// the real sshd, is in files.test.ts.)

import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../src/main/engine/parse/lines';
import { createLogScanner } from '../../src/main/engine/parse/log-facts';
import { formatById } from '../../src/main/engine/parse/registry';
import type { ParseResult, Parser } from '../../src/main/engine/parse/types';
import { retainedMb } from './files-support';

const BIG = 5 * MAX_LINE_BYTES + 123;

const cases = [
  {
    format: 'jsonl',
    before: '{"epoch":1,"loss":0.5}\n{"epoch":2,"loss":0.4}\n',
    open: '{"epoch":3,"loss":',
    after: '\n{"epoch":4,"loss":0.3}\n{"epoch":5,"loss":0.2}\n',
  },
  {
    format: 'csv',
    line: 4, // after the header
    before: 'epoch,loss\n1,0.5\n2,0.4\n',
    open: '3,',
    after: '\n4,0.3\n5,0.2\n',
  },
  {
    format: 'text',
    before: 'Epoch 1/5 - loss: 0.5\nEpoch 2/5 - loss: 0.4\n',
    open: 'Epoch 3/5 - loss: ',
    after: '\nEpoch 4/5 - loss: 0.3\nEpoch 5/5 - loss: 0.2\n',
  },
  {
    format: 'regex',
    regex: '^ep (?<epoch>\\d+) loss (?<loss>[\\d.]+)$',
    before: 'ep 1 loss 0.5\nep 2 loss 0.4\n',
    open: 'ep 3 loss ',
    after: '\nep 4 loss 0.3\nep 5 loss 0.2\n',
  },
];

function feed(parser: Parser, bytes: Uint8Array, chunk: number): ParseResult {
  const out: ParseResult = { records: [], warnings: [] };
  for (let i = 0; i < bytes.length; i += chunk) {
    const r = parser.push(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
    out.records.push(...r.records);
    out.warnings.push(...r.warnings);
  }
  return out;
}

describe('a line with no end, parser by parser', () => {
  for (const c of cases) {
    it(`${c.format}: capped while open, skipped with a warning naming the line, records after it read, any chunking`, () => {
      const head = Buffer.from(c.before + c.open);
      const filler = Buffer.alloc(BIG, '7');
      const tail = Buffer.from(c.after);
      const whole = Buffer.concat([head, filler, tail]);
      const answers: string[] = [];
      for (const chunk of [whole.length, 8 << 20, 256 << 10, 65_536, 4093]) {
        const parser = formatById(c.format).create({ regex: c.regex });
        const r = feed(parser, whole, chunk);
        expect(r.records.map((x) => x.epoch)).toEqual([1, 2, 4, 5]);
        expect(r.warnings).toHaveLength(1);
        const no = c.line ?? 3;
        expect(r.warnings[0]!.line).toBe(no);
        expect(r.warnings[0]!.message).toMatch(new RegExp(`line ${no} is longer than 1 MiB`));
        answers.push(JSON.stringify(r));
      }
      expect(new Set(answers).size).toBe(1);

      // While the line is open, the parser holds at most the cap, not the line.
      const parser = formatById(c.format).create({ regex: c.regex });
      parser.push(head);
      const base = retainedMb();
      const mb = Buffer.alloc(1 << 20, '7');
      for (let i = 0; i < 40; i++) parser.push(mb);
      const held = retainedMb() - base;
      expect(held).toBeLessThan(4);
      const r = parser.push(tail);
      expect(r.records.map((x) => x.epoch)).toEqual([4, 5]);
      expect(retainedMb() - base).toBeLessThan(4);
    });
  }

  it('the log scanner keeps a bounded tail: a huge line is cut, a progress bar redrawn with \\r for hours keeps only its newest state', () => {
    const scanner = createLogScanner({ tailLines: 50 });
    scanner.push(Buffer.from('start\n'));
    const base = retainedMb();
    const mb = Buffer.alloc(1 << 20, 'z');
    for (let i = 0; i < 40; i++) scanner.push(mb);
    expect(retainedMb() - base).toBeLessThan(4);
    expect(JSON.stringify(scanner.tail()).length).toBeLessThan(16 * 1024);
    scanner.push(Buffer.from('\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory\n'));
    const tail = scanner.tail();
    expect(tail[0]).toBe('start');
    expect(tail[1]).toMatch(/^z+… \(41943040 characters\)$/);
    expect(tail.at(-1)).toBe('RuntimeError: CUDA out of memory');
    expect(scanner.fatal()?.line).toMatch(/CUDA out of memory/);
    expect(JSON.stringify(tail).length).toBeLessThan(16 * 1024);

    // tqdm: one line redrawn 200 000 times with \r, never a newline.
    const bar = createLogScanner();
    let redraws = '';
    for (let i = 0; i <= 200_000; i++) {
      redraws += `\r${Math.floor(i / 2000)}%|${'#'.repeat(Math.floor(i / 20_000))}| ${i}/200000 [00:10<00:00, 99.0it/s]`;
      if (redraws.length > 1 << 16) {
        bar.push(Buffer.from(redraws));
        redraws = '';
      }
    }
    bar.push(Buffer.from(redraws));
    expect(bar.tail().at(-1)).toBe('100%|##########| 200000/200000 [00:10<00:00, 99.0it/s]');
    expect(JSON.stringify(bar.tail()).length).toBeLessThan(16 * 1024);
  });
});
