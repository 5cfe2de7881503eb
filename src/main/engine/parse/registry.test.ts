import { describe, expect, it } from 'vitest';
import { createParser, detectFormat, FORMATS } from './registry';
import { enc } from './test-helpers';

describe('format detection', () => {
  it('goes by the file name first', () => {
    expect(detectFormat('metrics.jsonl', '').format?.id).toBe('jsonl');
    expect(detectFormat('results/metrics.csv', '').format?.id).toBe('csv');
    expect(detectFormat('train.log', '').format?.id).toBe('text');
  });

  it('then sniffs the content: JSON lines in a .txt, CSV without the extension', () => {
    expect(
      detectFormat('log.txt', '{"epoch": 0, "train_loss": 1.5}\n{"epoch": 1, "train_loss": 1.2}\n').format
        ?.id,
    ).toBe('jsonl');
    const d = detectFormat('progress', 'epoch,loss\n0,1.5\n1,1.2\n');
    expect(d.format?.id).toBe('csv');
    expect(d.format && d.why).toMatch(/content reads as csv/);
    expect(detectFormat('out', 'iter 1: loss 2.0\niter 2: loss 1.9\niter 3: loss 1.8\n').format?.id).toBe(
      'text',
    );
  });

  it('says why when it cannot read a file', () => {
    const binary = detectFormat('model.bin', '\u0000\u0001\u0002garbage');
    expect(binary.format).toBeNull();
    expect(binary.why).toMatch(/binary data/);
    const unknown = detectFormat('notes.md', '# My experiment\nsome words only\n');
    expect(unknown.format).toBeNull();
    expect(unknown.why).toMatch(/no known format recognises "notes.md".*# My experiment/);
    expect(detectFormat('data.bin', '').why).toMatch(/empty/);
  });

  it('creates a forced parser, refuses an unknown one with the known ids', () => {
    const p = createParser('csv', 'whatever.log', '');
    expect(p.push(enc('epoch,loss\n0,1\n')).records).toHaveLength(1);
    expect(() => createParser('parquet', 'x', '')).toThrow(
      new RegExp(`Unknown format "parquet". Known formats: ${FORMATS.map((f) => f.id).join(', ')}`),
    );
    expect(() => createParser(undefined, 'notes.md', 'hello\n')).toThrow(/no known format/);
    expect(
      createParser(undefined, 'x', '', { regex: String.raw`L=(?<loss>\S+)` }).push(enc('L=1\n')).records,
    ).toHaveLength(1);
  });
});
