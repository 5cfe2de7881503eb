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
    // 1000–5000, sharing a step with a train entry) + 1 final summary (train_loss, train_runtime…),
    // which is not a training loss → 205 records. Names: learning_rate, loss, … → loss. The newest
    // entry before the summary is the step-5000 eval (epoch 38.17); the newest loss is the step-5000
    // train entry's 0.0002. num_train_epochs 39, max_steps 5000, global_step 5000 → completed.
    const p = createTrainerStateParser();
    const r = p.push(bytes);
    expect(r.warnings).toEqual([]);
    expect(figures(r.records)).toEqual({
      records: 205,
      lossMetric: 'loss',
      epoch: 38.17,
      step: 5000,
      loss: 0.0002,
    });
    expect(r.records.filter((x) => x.step === 5000).map((x) => Object.keys(x.metrics))).toEqual([
      ['learning_rate', 'loss'],
      ['eval_loss', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second', 'eval_wer'],
    ]);
    expect(r.records.some((x) => 'train_loss' in x.metrics)).toBe(false);
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
    expect(second.records).toHaveLength(105);
    expect([...first.records, ...second.records]).toEqual(whole);
    expect(p.push(bytes).records).toEqual([]);
    expect(p.facts().completed).toBe(true);
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
