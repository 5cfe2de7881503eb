import { describe, expect, it } from 'vitest';
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
});
