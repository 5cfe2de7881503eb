import { describe, expect, it } from 'vitest';
import { createLogScanner, judgeTail } from './log-facts';
import { enc, randomChunks } from './test-helpers';

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "train.py", line 12, in <module>',
  '    main()',
  '  File "train.py", line 9, in main',
  '    raise ValueError("bad batch")',
  'ValueError: bad batch',
];

describe('log scanner', () => {
  it('keeps the last N lines plus the partial one, progress bars collapsed to their latest state', () => {
    const s = createLogScanner({ tailLines: 3 });
    const text = 'a\nb\nc\nd\n\r 10%|# | 1/10\r 20%|## | 2/10\n\r 30%|### | 3/10';
    for (const c of randomChunks(enc(text), 4)) s.push(c);
    expect(s.tail()).toEqual(['c', 'd', ' 20%|## | 2/10', ' 30%|### | 3/10']);
  });

  it('reports a traceback by its exception line', () => {
    expect(judgeTail(['step 1: loss 0.5', ...TRACEBACK])).toEqual({
      line: 'ValueError: bad batch',
      kind: 'traceback',
    });
  });

  it('reports CUDA out of memory as oom, inside or outside a traceback', () => {
    const oom = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB';
    expect(judgeTail([...TRACEBACK.slice(0, -1), oom])).toEqual({ line: oom, kind: 'oom' });
    expect(judgeTail(['RuntimeError: CUDA out of memory.'])?.kind).toBe('oom');
  });

  it('reports the OOM killer', () => {
    expect(judgeTail(['iter 5: loss 1.0', 'Killed'])).toEqual({ line: 'Killed', kind: 'killed' });
    expect(judgeTail(['./run.sh: line 3: 4242 Killed                  python train.py'])?.kind).toBe(
      'killed',
    );
  });

  it('reports a NaN loss, and clears it when the loss recovers', () => {
    expect(judgeTail(['step 1: loss 0.5', 'step 2: loss nan'])).toEqual({
      line: 'step 2: loss nan',
      kind: 'nan',
    });
    expect(judgeTail(['step 2: loss nan', 'step 3: loss 0.4'])).toBeNull();
    expect(judgeTail(['step 2: val_loss nan, loss 0.4'])).toBeNull(); // only the training loss counts
  });

  it('does not hold a traceback against a run that kept making progress after it', () => {
    // e.g. a DataLoader worker warning printed with its traceback, then training goes on.
    expect(judgeTail([...TRACEBACK, 'Epoch 3/50 - loss: 0.41'])).toBeNull();
    expect(judgeTail([...TRACEBACK, 'some other message'])?.kind).toBe('traceback');
  });

  it('judges the tail only: an old fatal line scrolled out is forgotten', () => {
    const s = createLogScanner({ tailLines: 5 });
    s.push(enc(`${TRACEBACK.join('\n')}\n`));
    expect(s.fatal()?.kind).toBe('traceback');
    s.push(enc('x\n'.repeat(10)));
    expect(s.fatal()).toBeNull();
    s.push(enc('Killed\n'));
    expect(s.fatal()?.kind).toBe('killed');
    s.reset();
    expect(s.tail()).toEqual([]);
    expect(s.fatal()).toBeNull();
  });
});
