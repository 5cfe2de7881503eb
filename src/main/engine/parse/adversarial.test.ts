// Every built-in pattern runs in time linear in its input: adversarial lines of 100 KB each finish in
// milliseconds through every entry point that reads remote text; a user's own regex runs with a bound.

import { describe, expect, it } from 'vitest';
import { ADVERSARIAL_LINES, BOUND_MS, ENTRY_POINTS, slowest } from './adversarial-inputs';
import { createRegexParser } from './regex';

const enc = new TextEncoder();

describe('built-in patterns run in linear time on adversarial 100 KB lines', () => {
  for (const [name, fn] of ENTRY_POINTS) {
    it(name, () => {
      const worst = slowest(fn, ADVERSARIAL_LINES);
      expect(worst.ms, `slowest: ${worst.line}`).toBeLessThan(BOUND_MS);
    });
  }
});

describe('a user regex runs with a time bound', () => {
  it('a line it cannot finish is skipped and said; the others are read; past three it is given up', () => {
    const p = createRegexParser({ regex: '^(?<loss>(\\d+)+)$' });
    const evil = `${'1'.repeat(40)}x`;
    const t0 = Date.now();
    const r = p.push(enc.encode(`12\n${evil}\n34\n`));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.records.map((x) => x.metrics.loss)).toEqual([12, 34]);
    expect(r.warnings).toEqual([{ line: 2, message: 'line 2: the regex ran over 250 ms on it: skipped' }]);
    expect(p.facts().error).toBeUndefined();
    p.push(enc.encode(`${evil}\n${evil}\n56\n`));
    expect(p.facts().error).toMatch(
      /ran over 250 ms on 3 lines \(the last: line 5\): it backtracks too much/,
    );
    expect(p.push(enc.encode('78\n')).records).toEqual([]);
  });
});
