import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../../../../test/support/fake-clock';
import type { ProgressEvent } from '../../../shared/contract';
import type { SyncRuleConfig, VigilConfig, WorkerConfig } from '../config';
import type { ResolvedHost } from '../ssh';
import type { RuleJob, RuleResult } from './job';
import { SyncManager } from './manager';

const rule = (from: string, over: Partial<SyncRuleConfig> = {}): SyncRuleConfig => ({
  from,
  onFinish: true,
  onStall: true,
  ...over,
});

const worker = (name: string, host: string, sync: SyncRuleConfig[]): WorkerConfig => ({
  name,
  host,
  dir: `~/${name}`,
  metrics: { path: 'm.jsonl' },
  sync,
});

function config(workers: WorkerConfig[]): VigilConfig {
  const hosts: VigilConfig['hosts'] = {};
  for (const w of workers) {
    hosts[w.host] = { name: w.host, connectTimeoutMs: 1, keepaliveIntervalMs: 1, keepaliveCountMax: 1 };
  }
  return { file: '/c.yaml', pollMs: 1000, repeatAlertsMs: 1, notify: [], hosts, workers };
}

interface Run {
  job: RuleJob;
  finish: (r?: Partial<RuleResult>) => void;
}

function setup(workers: WorkerConfig[], opts: { initialDelayMs?: number } = {}) {
  const clock = new FakeClock();
  const runs: Run[] = [];
  const active: Run[] = [];
  const closed: string[] = [];
  const manager = new SyncManager({
    config: config(workers),
    dataDir: '/data',
    clock,
    resolveHost: async (_cfg, name) => ({ name }) as ResolvedHost,
    closeHost: async (name) => void closed.push(name),
    runRule: (job) =>
      new Promise<RuleResult>((resolve) => {
        const run: Run = {
          job,
          finish: (r = {}) => {
            active.splice(active.indexOf(run), 1);
            resolve({
              ok: true,
              severity: 'ok',
              failure: null,
              message: 'ok',
              bytes: 10,
              durationMs: 5,
              ...r,
            });
          },
        };
        job.signal.addEventListener('abort', () =>
          run.finish({ ok: false, severity: 'error', failure: 'stopped', message: 'stopped' }),
        );
        runs.push(run);
        active.push(run);
      }),
    ...opts,
  });
  const label = (r: Run) => `${r.job.worker.name}#${r.job.ruleIndex}`;
  return { clock, manager, runs, active, closed, label };
}

describe('SyncManager', () => {
  it('fires onFinish rules once per finished episode', async () => {
    const t = setup([worker('A', 'h', [rule('results/'), rule('ckpt/', { onFinish: false })])]);
    t.manager.noteStatus('A', 'running');
    t.manager.noteStatus('A', 'finished');
    await flush();
    expect(t.runs.map(t.label)).toEqual(['A#0']);
    t.active[0]!.finish();
    await flush();
    t.manager.noteStatus('A', 'finished');
    t.manager.noteStatus('A', 'unknown'); // not a new episode
    t.manager.noteStatus('A', 'finished');
    await flush();
    expect(t.runs).toHaveLength(1);
    t.manager.noteStatus('A', 'running'); // a new run started…
    t.manager.noteStatus('A', 'finished'); // …and finished: a new episode
    await flush();
    expect(t.runs).toHaveLength(2);
  });

  it('fires onStall rules once per trouble episode (stalled, unreachable, failed are one episode)', async () => {
    const t = setup([worker('A', 'h', [rule('results/', { onStall: false }), rule('ckpt/')])]);
    t.manager.noteStatus('A', 'stalled');
    await flush();
    expect(t.runs.map(t.label)).toEqual(['A#1']);
    t.active[0]!.finish();
    t.manager.noteStatus('A', 'unreachable');
    t.manager.noteStatus('A', 'late');
    t.manager.noteStatus('A', 'failed');
    await flush();
    expect(t.runs).toHaveLength(1);
    t.manager.noteStatus('A', 'running');
    t.manager.noteStatus('A', 'unreachable');
    await flush();
    expect(t.runs).toHaveLength(2);
  });

  it('coalesces: triggers while queued join the run, triggers while running ask for one follow-up', async () => {
    const t = setup([worker('A', 'h', [rule('results/')]), worker('B', 'h', [rule('out/')])]);
    const a1 = t.manager.trigger('A', 'manual'); // runs
    const b1 = t.manager.trigger('B', 'manual'); // queued behind A (same host)
    const b2 = t.manager.trigger('B', 'stall'); // joins b1's run
    t.manager.noteStatus('B', 'finished'); // joins too
    const a2 = t.manager.trigger('A', 'manual'); // A is running: one follow-up…
    const a3 = t.manager.trigger('A', 'finish'); // …shared by every trigger that arrives meanwhile
    const a4 = t.manager.trigger('A', 'manual');
    await flush();
    expect(t.runs.map(t.label)).toEqual(['A#0']);
    expect(t.manager.states('B')[0]!.state).toBe('queued');
    t.active[0]!.finish({ bytes: 1 });
    await flush();
    expect((await a1)[0]!.result.bytes).toBe(1);
    expect(t.runs.map(t.label)).toEqual(['A#0', 'B#0']); // host order: B was queued first
    t.active[0]!.finish({ bytes: 2 });
    await flush();
    expect((await b1)[0]!.result.bytes).toBe(2);
    expect((await b2)[0]!.result.bytes).toBe(2);
    expect(t.runs.map(t.label)).toEqual(['A#0', 'B#0', 'A#0']);
    t.active[0]!.finish({ bytes: 3 });
    expect((await Promise.all([a2, a3, a4])).map((r) => r[0]!.result.bytes)).toEqual([3, 3, 3]);
    await flush();
    expect(t.runs).toHaveLength(3);
  });

  it('runs one rsync per host at a time, hosts in parallel', async () => {
    const t = setup([
      worker('A', 'h1', [rule('x/'), rule('y/')]),
      worker('B', 'h1', [rule('z/')]),
      worker('C', 'h2', [rule('w/')]),
    ]);
    void t.manager.trigger('A', 'manual');
    void t.manager.trigger('B', 'manual');
    void t.manager.trigger('C', 'manual');
    await flush();
    expect(t.active.map(t.label)).toEqual(['A#0', 'C#0']);
    t.active[0]!.finish();
    await flush();
    expect(t.active.map(t.label)).toEqual(['C#0', 'A#1']);
    t.active[1]!.finish();
    await flush();
    expect(t.active.map(t.label)).toEqual(['C#0', 'B#0']);
  });

  it('runs a rule on its schedule, counted from the end of its last run, and keeps its state', async () => {
    const t = setup([worker('A', 'h', [rule('results/', { everyMs: 60_000 }), rule('manual-only/')])], {
      initialDelayMs: 5_000,
    });
    expect(t.manager.states('A')).toEqual([
      expect.objectContaining({
        to: '/data/sync/A/results',
        lastSyncAt: null,
        result: null,
        bytes: 0,
        state: 'idle',
      }),
      expect.objectContaining({ to: '/data/sync/A/manual-only', lastSyncAt: null, result: null }),
    ]);
    t.manager.start();
    await t.clock.advance(5_000);
    expect(t.runs.map(t.label)).toEqual(['A#0']);
    await t.clock.advance(30_000); // a long transfer
    t.active[0]!.finish({
      bytes: 1234,
      severity: 'warning',
      message: 'partial transfer due to vanished source files (code 24)',
    });
    await flush();
    const s = t.manager.states('A')[0]!;
    expect(s).toMatchObject({
      bytes: 1234,
      state: 'idle',
      result: 'warning: partial transfer due to vanished source files (code 24)',
    });
    expect(s.lastSyncAt).toBe(new Date(t.clock.now()).toISOString());
    await t.clock.advance(59_999);
    expect(t.runs).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.runs).toHaveLength(2);
    t.active[0]!.finish({
      ok: false,
      severity: 'error',
      failure: 'unreachable',
      message: 'h unreachable: …',
    });
    await flush();
    expect(t.manager.states('A')[0]).toMatchObject({
      result: 'h unreachable: …',
      failure: 'unreachable',
      lastOkAt: s.lastSyncAt,
    });
  });

  it('forwards progress as contract events and reports state changes', async () => {
    const t = setup([worker('A', 'h', [rule('results/')])]);
    const events: ProgressEvent[] = [];
    const states: string[] = [];
    t.manager.onProgress((e) => events.push(e));
    t.manager.onState((s) => states.push(s.sync[0]!.state));
    void t.manager.trigger('A', 'manual');
    await flush();
    t.active[0]!.job.onProgress({ bytes: 5, percent: 50, rate: 2, eta: 3, transferred: null, toCheck: null });
    const to = '/data/sync/A/results';
    const phase = (p: string) => ({
      worker: 'A',
      rule: to,
      phase: p,
      bytes: 0,
      percent: 0,
      rate: 0,
      eta: null,
    });
    expect(events).toEqual([
      phase('queued'),
      phase('running'),
      { worker: 'A', rule: to, bytes: 5, percent: 50, rate: 2, eta: 3 },
    ]);
    expect(t.manager.states('A')[0]!.progress).toEqual(events[2]);
    t.active[0]!.finish({ bytes: 7 });
    await flush();
    expect(events.at(-1)).toEqual({
      worker: 'A',
      rule: to,
      phase: 'ok',
      message: 'ok',
      bytes: 7,
      percent: 100,
      rate: 0,
      eta: 0,
    });
    expect(states).toEqual(['queued', 'running', 'idle']);
    expect(t.manager.states('A')[0]!.progress).toBeNull();
  });

  it('ends every run with a progress event that says how it went, also a failed or stopped one', async () => {
    const t = setup([worker('A', 'h', [rule('results/')])]);
    const ends: ProgressEvent[] = [];
    t.manager.onProgress((e) => {
      if (e.phase && !['queued', 'running'].includes(e.phase)) ends.push(e);
    });
    void t.manager.trigger('A', 'manual');
    await flush();
    t.active[0]!.job.onProgress({ bytes: 5, percent: 30, rate: 2, eta: 3, transferred: null, toCheck: null });
    t.active[0]!.finish({
      ok: false,
      severity: 'error',
      failure: 'unreachable',
      message: 'h unreachable: no data moved',
    });
    await flush();
    void t.manager.trigger('A', 'manual');
    await flush();
    t.active[0]!.finish({ severity: 'warning', message: '1 file vanished' });
    await flush();
    expect(ends.map((e) => [e.phase, e.message, e.percent])).toEqual([
      ['error', 'h unreachable: no data moved', 30],
      ['warning', '1 file vanished', 100],
    ]);
  });

  it('stop ends running transfers, answers queued triggers and closes the shared connections', async () => {
    const t = setup([worker('A', 'h', [rule('x/'), rule('y/', { everyMs: 1000 })])]);
    t.manager.start();
    const p = t.manager.trigger('A', 'manual');
    await flush();
    await t.manager.stop();
    const results = await p;
    expect(results.map((r) => r.result.failure)).toEqual(['stopped', 'stopped']);
    expect(t.closed).toEqual(['h']);
    expect(t.clock.pending()).toBe(0);
    await expect(t.manager.trigger('A', 'manual')).resolves.toHaveLength(2);
    expect(() => t.manager.trigger('nobody', 'manual')).toThrow(/unknown worker "nobody"/);
  });
});
