// `vigil inspect FILE --json` through the real CLI: the InspectResult shape, on a real file and on edge cases.

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runVigil } from './helpers';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/real/', import.meta.url));

describe('vigil inspect', () => {
  it('reads a real Keras CSVLogger file: format, records, metrics, loss metric and the newest values', async () => {
    const res = await runVigil([
      'inspect',
      path.join(fixtures, 'keras-csv/tomato-leaf-cnn-training_log.csv'),
      '--json',
    ]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    // The file: header epoch,accuracy,loss,val_accuracy,val_loss and 29 rows, epochs 0..28; the last row
    // is "28,0.9668750166893005,0.091253668,0.8899999856948853,0.41605862975120544" (a 9-digit loss):
    // epoch 28 as written from 0, the 29th as people count it.
    expect(out).toMatchObject({
      format: 'csv',
      formatReason: 'its name "tomato-leaf-cnn-training_log.csv" says csv',
      records: 29,
      metrics: ['accuracy', 'loss', 'val_accuracy', 'val_loss'],
      lossMetric: 'loss',
      last: { epoch: 29, step: null, loss: 0.091253668 },
    });
    expect(out.last.metrics.val_loss).toBe(0.41605862975120544);
  });

  it('NaN and Infinity travel as strings; an unreadable file says why', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-inspect-'));
    const f = path.join(dir, 'metrics.jsonl');
    writeFileSync(f, '{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": NaN, "grad_norm": Infinity}\n');
    const out = JSON.parse((await runVigil(['inspect', f, '--json'])).stdout);
    expect(out.last).toEqual({
      epoch: 2,
      step: null,
      loss: 'NaN',
      metrics: { loss: 'NaN', grad_norm: 'Infinity' },
    });

    const bin = path.join(dir, 'weights.bin');
    writeFileSync(bin, Buffer.from([0, 1, 2, 3, 255, 254, 0, 0, 9]));
    const res = await runVigil(['inspect', bin, '--json']);
    const unread = JSON.parse(res.stdout);
    expect(unread).toMatchObject({ format: null, records: 0 });
    expect(unread.why).toBeTruthy();
    expect(res.code).toBe(1); // nothing Vigil can read in it

    const bogus = await runVigil(['inspect', f, '--format', 'bogus']);
    expect(bogus.code).toBe(2); // a usage error, said before anything is read
    expect(bogus.stderr).toContain('Unknown format "bogus". Known formats: trainer-state, tfevents, jsonl');
    expect(bogus.stdout).toBe('');

    const missing = await runVigil(['inspect', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });
});
