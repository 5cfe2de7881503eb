import { describe, expect, it } from 'vitest';
import type { DivergenceFact } from './divergence';
import { evaluateHealth, type WorkerFacts } from './health';

const NOW = Date.UTC(2026, 10, 28, 3, 0, 0);
const MIN = 60_000;

function facts(over: Partial<WorkerFacts> = {}): WorkerFacts {
  return {
    connection: 'ok',
    connectionReason: null,
    lastContactAt: NOW - 2000,
    configError: null,
    fileError: null,
    process: 'running',
    processDetail: 'pid 42',
    lastProgressAt: NOW - 30_000,
    records: 10,
    epoch: 12,
    totalEpochs: 50,
    epochBase: 1,
    completed: false,
    fatal: null,
    stallAfterMs: 15 * MIN,
    lateAfterMs: 5 * MIN,
    contactStaleAfterMs: MIN,
    contactOverdueAfterMs: 10_000,
    ...over,
  };
}

describe('evaluateHealth', () => {
  it('is running while progress is fresh, and says where it is', () => {
    const h = evaluateHealth(facts(), NOW);
    expect(h.status).toBe('running');
    expect(h.reason).toContain('epoch 12/50');
  });

  it('is late past the late threshold, stalled past stallAfter with the durations in the reason', () => {
    expect(evaluateHealth(facts({ lastProgressAt: NOW - 6 * MIN }), NOW).status).toBe('late');
    const h = evaluateHealth(facts({ lastProgressAt: NOW - 16 * MIN, lastContactAt: NOW }), NOW);
    expect(h.status).toBe('stalled');
    expect(h.reason).toContain('no progress for 16 min');
    expect(h.reason).toContain('threshold 15 min');
  });

  it('is unreachable when the host does not answer, and says when it was last seen', () => {
    const h = evaluateHealth(
      facts({
        connection: 'unreachable',
        connectionReason: 'keepalive timeout',
        lastContactAt: NOW - 3 * MIN,
      }),
      NOW,
    );
    expect(h).toEqual({ status: 'unreachable', reason: 'keepalive timeout (last contact 3 min ago)' });
  });

  it('never gives an all-clear from stale contact: unknown when the last answer is too old', () => {
    const h = evaluateHealth(facts({ lastContactAt: NOW - 5 * MIN }), NOW);
    expect(h.status).toBe('unknown');
    expect(h.reason).toContain('5 min');
  });

  it('is unknown before the first contact', () => {
    expect(evaluateHealth(facts({ lastContactAt: null, connection: 'unknown' }), NOW).status).toBe('unknown');
  });

  it('is an error for host key, auth and config problems, whatever the progress says', () => {
    for (const connection of ['host-key-mismatch', 'host-key-unknown', 'auth-failed'] as const) {
      const h = evaluateHealth(facts({ connection, connectionReason: `bad: ${connection}` }), NOW);
      expect(h).toEqual({ status: 'error', reason: `bad: ${connection}` });
    }
    expect(evaluateHealth(facts({ configError: 'bad regex' }), NOW)).toEqual({
      status: 'error',
      reason: 'bad regex',
    });
  });

  it('a missing metrics file is an error naming it, unless the process is running (then: waiting)', () => {
    const missing = 'metrics file not found: /w/metrics.jsonl';
    expect(evaluateHealth(facts({ fileError: missing, process: 'not-configured' }), NOW)).toEqual({
      status: 'error',
      reason: missing,
    });
    const waiting = evaluateHealth(facts({ fileError: missing }), NOW);
    expect(waiting.status).toBe('unknown');
    expect(waiting.reason).toContain('/w/metrics.jsonl');
  });

  it('finished when the process is gone at the last epoch; 0-based files finish at total - 1', () => {
    expect(evaluateHealth(facts({ process: 'exited', epoch: 50 }), NOW).status).toBe('finished');
    expect(evaluateHealth(facts({ process: 'exited', epoch: 49, epochBase: 0 }), NOW).status).toBe(
      'finished',
    );
    expect(evaluateHealth(facts({ process: 'exited', epoch: 49, epochBase: 1 }), NOW).status).toBe('failed');
    expect(evaluateHealth(facts({ process: 'exited', epoch: 3, completed: true }), NOW).status).toBe(
      'finished',
    );
  });

  it('failed when the process is gone before the end, or the log shows a fatal error', () => {
    const gone = evaluateHealth(facts({ process: 'exited', epoch: 12 }), NOW);
    expect(gone.status).toBe('failed');
    expect(gone.reason).toContain('pid 42');
    expect(gone.reason).toContain('epoch 12/50');
    const oom = evaluateHealth(
      facts({ process: 'exited', fatal: 'torch.OutOfMemoryError: CUDA out of memory.' }),
      NOW,
    );
    expect(oom).toMatchObject({ status: 'failed' });
    expect(oom.reason).toContain('CUDA out of memory');
    // With no process configured the log alone decides.
    expect(evaluateHealth(facts({ process: 'not-configured', fatal: 'Killed' }), NOW).status).toBe('failed');
  });

  it('a fatal line while the process still runs is reported but does not end the run', () => {
    const h = evaluateHealth(facts({ fatal: 'RuntimeError: boom' }), NOW);
    expect(h.status).toBe('running');
    expect(h.reason).toContain('RuntimeError: boom');
  });

  it('judges progress as of the last answer: a hanging probe never makes a run stalled', () => {
    // Last answer 40 s ago showed progress 30 s old: 70 s later nothing is known to be wrong yet.
    const h = evaluateHealth(
      facts({
        lastContactAt: NOW - 40_000,
        lastProgressAt: NOW - 70_000,
        stallAfterMs: 60_000,
        lateAfterMs: 50_000,
      }),
      NOW,
    );
    expect(h.status).toBe('running');
    expect(h.reason).toContain('no answer from the host for 40 s');
    // Once the host answers and the file still has not moved, it is stalled.
    const after = evaluateHealth(
      facts({ lastContactAt: NOW, lastProgressAt: NOW - 70_000, stallAfterMs: 60_000 }),
      NOW,
    );
    expect(after.status).toBe('stalled');
  });

  it('a paused process with fresh contact is stalled, not unreachable', () => {
    const h = evaluateHealth(facts({ lastProgressAt: NOW - 20 * MIN, stallAfterMs: 15 * MIN }), NOW);
    expect(h.status).toBe('stalled');
  });

  it('notes a slow link without changing the status', () => {
    const h = evaluateHealth(facts({ connection: 'degraded', connectionReason: 'a probe took 6.0 s' }), NOW);
    expect(h.status).toBe('running');
    expect(h.reason).toContain('slow link');
  });

  it('a finished or failed run keeps its final state when its host goes silent, the silence noted', () => {
    const silent = { connection: 'unreachable', connectionReason: 'keepalive timeout' } as const;
    const done = evaluateHealth(facts({ ...silent, process: 'exited', epoch: 50 }), NOW);
    expect(done).toEqual({
      status: 'finished',
      reason: 'finished at epoch 50/50; host unreachable: keepalive timeout (last contact 2 s ago)',
    });
    const crashed = evaluateHealth(facts({ ...silent, process: 'exited', epoch: 12 }), NOW);
    expect(crashed.status).toBe('failed');
    expect(crashed.reason).toContain('exited before the end at epoch 12/50; host unreachable');
    const oom = facts({ ...silent, process: 'not-configured', fatal: 'CUDA out of memory' });
    expect(evaluateHealth(oom, NOW).status).toBe('failed');
    // Too long without an answer: still what it was, and says for how long Vigil has heard nothing.
    const stale = evaluateHealth(facts({ process: 'exited', epoch: 50, lastContactAt: NOW - 5 * MIN }), NOW);
    expect(stale).toEqual({
      status: 'finished',
      reason: 'finished at epoch 50/50; no fresh answer from the host for 5 min',
    });
    // A run still going when the host went silent is unreachable, as before.
    expect(evaluateHealth(facts({ ...silent }), NOW).status).toBe('unreachable');
  });

  describe('a diverged loss', () => {
    const nan = (over: Partial<DivergenceFact['since']> = {}): DivergenceFact => ({
      metric: 'loss',
      divergence: { kind: 'non-finite', from: 651, value: Number.NaN },
      since: { step: 652, record: 652, epoch: 6, time: NOW - 14 * MIN, ...over },
    });

    it('is diverged, not running: the reason names the metric, since which step, epoch and when', () => {
      const h = evaluateHealth(facts({ divergence: nan(), epoch: 49, epochBase: 0 }), NOW);
      expect(h.status).toBe('diverged');
      expect(h.reason).toBe(
        'loss is NaN since step 652 (epoch 7, 14 min ago); progress 28 s ago at epoch 50/50',
      );
    });

    it('a run that "finished" with a NaN loss is diverged, never finished', () => {
      const h = evaluateHealth(facts({ divergence: nan(), process: 'exited', epoch: 50 }), NOW);
      expect(h.status).toBe('diverged');
      expect(h.reason).toContain('finished at epoch 50/50');
      const unsupervised = facts({ divergence: nan(), process: 'not-configured', completed: true });
      expect(evaluateHealth(unsupervised, NOW).status).toBe('diverged');
    });

    it('a process that exited early stays failed, with the divergence in its reason', () => {
      const h = evaluateHealth(facts({ divergence: nan(), process: 'exited', epoch: 12 }), NOW);
      expect(h.status).toBe('failed');
      expect(h.reason).toBe(
        'process (pid 42) exited before the end at epoch 12/50; loss is NaN since step 652 (epoch 6, 14 min ago)',
      );
    });

    it('ranks above a silent host and a stall; a config error and a never-contacted host stay what they are', () => {
      const silent = facts({
        divergence: nan(),
        connection: 'unreachable',
        connectionReason: 'keepalive timeout',
      });
      expect(evaluateHealth(silent, NOW).status).toBe('diverged');
      expect(evaluateHealth(silent, NOW).reason).toContain('keepalive timeout');
      const stalled = facts({ divergence: nan(), lastProgressAt: NOW - 20 * MIN, stallAfterMs: 15 * MIN });
      expect(evaluateHealth(stalled, NOW).status).toBe('diverged');
      expect(evaluateHealth(stalled, NOW).reason).toContain('no progress for 19 min');
      expect(evaluateHealth(facts({ divergence: nan(), configError: 'bad regex' }), NOW).status).toBe(
        'error',
      );
      const never = facts({ divergence: nan(), lastContactAt: null, connection: 'unknown' });
      expect(evaluateHealth(never, NOW).status).toBe('unknown');
    });
  });
});
