// A file truncated under a writer that kept its offset: a hole (read as zeros) and then the writer's
// next line. The line is read, whatever the format; a file that starts with the hole is still sniffed.

import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../shared/model';
import { createLogScanner } from '../parse';
import { MetricsStream } from './metrics-stream';

const hole = (n: number) => new Uint8Array(n);
const text = (s: string) => new TextEncoder().encode(s);

function stream(fileName: string, format?: string) {
  const records: MetricRecord[] = [];
  const s = new MetricsStream({ fileName, format, onRecords: (r) => records.push(...r), onReset: () => {} });
  return { s, records };
}

describe('a hole before the next line', () => {
  for (const [name, line] of [
    ['metrics.jsonl', '{"epoch": 4, "loss": 0.25}\n'],
    ['metrics.csv', 'epoch,loss\n4,0.25\n'],
    ['train.log', 'Epoch 4/10 loss: 0.25\n'],
  ] as const) {
    it(`${name}: the line after a hole is read, in any chunking`, () => {
      for (const [piece, size] of [
        [1 << 20, 3 << 20],
        [4096, 3 << 20],
        [7, 100_000],
      ]) {
        const { s, records } = stream(name);
        const all = new Uint8Array(size! + line.length);
        all.set(text(line), size!);
        for (let i = 0; i < all.length; i += piece!) s.bytes(all.subarray(i, i + piece!));
        s.settle();
        expect(s.error).toBeNull();
        expect(records.map((r) => r.metrics.loss)).toEqual([0.25]);
        expect(s.note()).toBeNull(); // no "line longer than 1 MiB", no "no metrics found"
      }
    });
  }

  it('the log tail shows the line, not its zeros', () => {
    const log = createLogScanner();
    log.push(hole(2 << 20));
    log.push(text('RuntimeError: CUDA out of memory\n'));
    expect(log.tail()).toEqual(['RuntimeError: CUDA out of memory']);
    expect(log.fatal()?.kind).toBe('oom');
  });
});
