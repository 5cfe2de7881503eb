// A worker whose metrics file is its log shows that log's tail (and its fatal lines count).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenario, watch } from '../../../../test/support/fleet-scenario';

const LOG = [
  'Loading dataset ... done',
  'Epoch 1/50 - step 100 - loss: 0.9000',
  'Epoch 2/50 - step 200 - loss: 0.8000',
  'Epoch 3/50 - step 300 - loss: 0.7000',
].join('\n');

describe('the log tail of a worker whose metrics file is its log', () => {
  it('with no `log:` set, a text metrics file is the log: its tail shows, a JSON-lines file is not', async () => {
    const s = scenario();
    s.append('train.log', `${LOG}\n`);
    s.append('m.jsonl', '{"step": 1, "loss": 1}\n');
    const cfg = s.config(
      [
        '  - { name: text, host: gpu, dir: $DIR, metrics: train.log }',
        '  - { name: json, host: gpu, dir: $DIR, metrics: m.jsonl }',
      ].join('\n'),
    );
    const { fleet, worker } = await watch(s, cfg);
    expect(worker('text').logTail).toEqual(LOG.split('\n'));
    expect(worker('text').records).toBe(3);
    expect(worker('json').logTail).toEqual([]);
    await fleet.stop();
  });

  it('`log:` naming the metrics file: one follower, one mirror byte-identical, the tail shown, a traceback fatal', async () => {
    const s = scenario();
    s.append('train.log', `${LOG}\n`);
    const cfg = s.config('  - { name: w, host: gpu, dir: $DIR, metrics: train.log, log: ./train.log }');
    const { fleet, worker, advance } = await watch(s, cfg);
    expect(worker().logTail).toEqual(LOG.split('\n'));
    s.append(
      'train.log',
      'Traceback (most recent call last):\n  File "train.py", line 9\nRuntimeError: CUDA error: an illegal memory access\n',
    );
    await advance(30_000);
    expect(worker().logTail.at(-1)).toBe('RuntimeError: CUDA error: an illegal memory access');
    expect(worker().status).toBe('failed'); // no process watched: the log decides
    await fleet.stop();
    expect(readFileSync(worker().mirror!, 'utf8')).toBe(readFileSync(path.join(s.dir, 'train.log'), 'utf8'));
  });
});
