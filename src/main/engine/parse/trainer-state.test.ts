import { describe, expect, it } from 'vitest';
import { detectFormat } from './registry';
import { figures, fixture } from './test-helpers';
import { createTrainerStateParser } from './trainer-state';

const PATH = 'hf-trainer-state/whisper-large-v2-japanese.json';
const bytes = fixture(PATH);
const state = JSON.parse(new TextDecoder().decode(bytes));
const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o, null, 2));

describe('trainer_state.json', () => {
  it('is detected by name and by content', () => {
    expect(detectFormat('checkpoint-500/trainer_state.json', '').format?.id).toBe('trainer-state');
    expect(detectFormat('state.json', new TextDecoder().decode(bytes)).format?.id).toBe('trainer-state');
  });

  it('reads the fixture: figures worked out by hand', () => {
    // log_history has 206 entries: 200 train {epoch, learning_rate, loss, step} + 5 eval (steps
    // 1000–5000, sharing a step with a train entry) + 1 final summary (epoch 38.17, step 5000,
    // train_runtime…, and train_loss averaged over the run, which is not a training loss and is left
    // out) → 206 records, the summary last. Names: learning_rate, loss, … → loss; the newest loss is the
    // step-5000 train entry's 0.0002. num_train_epochs 39, max_steps 5000, global_step 5000 → completed.
    const p = createTrainerStateParser();
    const r = p.push(bytes);
    expect(r.warnings).toEqual([]);
    expect(figures(r.records)).toEqual({
      records: 206,
      lossMetric: 'loss',
      epoch: 38.17,
      step: 5000,
      loss: 0.0002,
    });
    expect(r.records.filter((x) => x.step === 5000).map((x) => Object.keys(x.metrics))).toEqual([
      ['learning_rate', 'loss'],
      ['eval_loss', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second', 'eval_wer'],
      ['total_flos', 'train_runtime', 'train_samples_per_second', 'train_steps_per_second'],
    ]);
    expect(r.records.some((x) => 'train_loss' in x.metrics)).toBe(false);
    expect(r.records.at(-1)).toMatchObject({ epoch: 38.17, step: 5000 });
    expect(Object.keys(r.records.at(-1)!.metrics).sort()).toEqual([
      'total_flos',
      'train_runtime',
      'train_samples_per_second',
      'train_steps_per_second',
    ]);
    expect(p.facts()).toEqual({ totalEpochs: 39, totalSteps: 5000, completed: true });
  });

  it('returns only new entries when the file is rewritten, and ends where a whole read ends', () => {
    const whole = createTrainerStateParser().push(bytes).records;
    const p = createTrainerStateParser();
    const early = { ...state, global_step: 2500, log_history: state.log_history.slice(0, 100) };
    const first = p.push(enc(early));
    expect(first.records).toHaveLength(100);
    expect(p.facts().completed).toBe(false);
    // Caught mid-rewrite: nothing, and no alarm.
    expect(p.push(bytes.subarray(0, 5000))).toEqual({ records: [], warnings: [] });
    const second = p.push(bytes);
    expect(second.records).toHaveLength(106);
    expect([...first.records, ...second.records]).toEqual(whole);
    expect(p.push(bytes).records).toEqual([]);
    expect(p.facts().completed).toBe(true);
  });

  it('the final summary carries where the run ended: the last record shows its epoch and step', () => {
    const log = [
      { epoch: 2.98, learning_rate: 1e-6, loss: 0.31, step: 5000 },
      { epoch: 3.0, step: 5031, train_loss: 0.52, train_runtime: 9000.1, total_flos: 1e18 },
    ];
    const p = createTrainerStateParser();
    const r = p.push(enc({ num_train_epochs: 3, max_steps: 5031, global_step: 5031, log_history: log }));
    expect(r.records.at(-1)).toMatchObject({ epoch: 3, step: 5031 });
    expect(figures(r.records)).toMatchObject({ epoch: 3, step: 5031, loss: 0.31, lossMetric: 'loss' });
    expect(p.facts()).toEqual({ totalEpochs: 3, totalSteps: 5031, completed: true });
  });

  it('warns about a file that is not a trainer state', () => {
    expect(
      createTrainerStateParser().push(new TextEncoder().encode('{"a": 1}')).warnings[0]!.message,
    ).toMatch(/no log_history/);
  });
});

describe('a deeply nested log_history entry', () => {
  it('is skipped with a warning; the other entries are read', () => {
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const doc = `{"log_history": [{"epoch": 1, "loss": 0.5}, ${deep}, {"epoch": 2, "loss": 0.4}]}`;
    const r = createTrainerStateParser().push(new TextEncoder().encode(doc));
    expect(r.records.map((x) => x.epoch)).toEqual([1, 2]);
    expect(r.warnings).toEqual([
      { line: 2, message: 'log_history entry 2 nests deeper than 64 levels: skipped' },
    ]);
  });
});
