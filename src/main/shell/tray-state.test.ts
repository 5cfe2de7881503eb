import { describe, expect, it } from 'vitest';
import { fakeWorker } from '../../shared/contract-fake';
import { defaultHosts } from '../../shared/contract-fake-hosts';
import type { FleetSnapshot, WorkerStatus } from '../../shared/model';
import { chooseTrayState, trayIconFile } from './tray-state';

const NOW = Date.parse('2025-05-01T12:00:00Z');
function fleet(statuses: WorkerStatus[], configError: string | null = null): FleetSnapshot {
  const names = ['I3D', 'SlowFast', 'Transformer', 'MagVIT', 'Extra'];
  return {
    generatedAt: new Date(NOW).toISOString(),
    configError,
    workers: statuses.map((status, i) => fakeWorker(NOW, { name: names[i]!, status })),
  };
}

describe('tray icon, tooltip and title', () => {
  it('all well: every worker running or finished', () => {
    expect(chooseTrayState(fleet(['running', 'running', 'finished']))).toEqual({
      icon: 'ok',
      tooltip: 'Vigil — all well: 2 running, 1 finished',
      title: '',
    });
  });

  it('something late', () => {
    const s = chooseTrayState(fleet(['running', 'late']));
    expect(s).toEqual({ icon: 'late', tooltip: 'Vigil — 1 late, 1 running', title: '' });
  });

  it('a worker not yet checked is not an all-clear', () => {
    expect(chooseTrayState(fleet(['running', 'unknown'])).icon).toBe('late');
  });

  it.each(['stalled', 'failed', 'diverged', 'unreachable', 'error'] as const)(
    '%s raises the alarm with a count',
    (status) => {
      const s = chooseTrayState(fleet(['running', status, 'late']));
      expect(s.icon).toBe('alarm');
      expect(s.title).toBe('1 ⚠');
      expect(s.tooltip).toContain(`SlowFast ${status}`);
    },
  );

  it('counts every worker in trouble, worst first', () => {
    const s = chooseTrayState(fleet(['stalled', 'running', 'failed', 'unreachable']));
    expect(s.title).toBe('3 ⚠');
    expect(s.tooltip).toMatch(/^Vigil — Transformer failed, MagVIT unreachable, I3D stalled/);
  });

  it('a diverged run (NaN loss) raises the alarm, ranked after failed and before a silent host', () => {
    const s = chooseTrayState(fleet(['unreachable', 'running', 'diverged', 'failed']));
    expect(s.icon).toBe('alarm');
    expect(s.tooltip).toMatch(/^Vigil — MagVIT failed, Transformer diverged, I3D unreachable/);
  });

  it('a host warning is trouble coming: "late", never "all well", and the tooltip says which', () => {
    const snap = fleet(['running', 'running']);
    const ec2 = defaultHosts(NOW, snap.workers).find((h) => h.name === 'ec2')!;
    const warned: FleetSnapshot = { ...snap, hosts: [ec2] };
    expect(chooseTrayState(warned)).toEqual({
      icon: 'late',
      tooltip: 'Vigil — warning on ec2: memory nearly exhausted (+1) · 2 running',
      title: '',
    });
    expect(chooseTrayState({ ...snap, hosts: [{ ...ec2, warnings: [] }] }).icon).toBe('ok');
    // An alarm stays an alarm.
    expect(chooseTrayState({ ...fleet(['running', 'stalled']), hosts: [ec2] }).icon).toBe('alarm');
  });

  it('nothing configured', () => {
    expect(chooseTrayState(fleet([]))).toEqual({
      icon: 'empty',
      tooltip: 'Vigil — no workers configured',
      title: '',
    });
  });

  it('a configuration error is an alarm', () => {
    const s = chooseTrayState(fleet([], 'config.yaml line 3: workers[0].host: unknown host "ec3"'));
    expect(s).toMatchObject({ icon: 'alarm', title: '⚠' });
    expect(s.tooltip).toContain('line 3');
  });

  it('before the first snapshot it says it is starting, not that all is well', () => {
    expect(chooseTrayState(null)).toMatchObject({ icon: 'late', tooltip: 'Vigil — starting…' });
  });

  it('keeps the tooltip within the Windows limit', () => {
    const long = fleet(['stalled'], 'x'.repeat(500));
    expect(chooseTrayState(long).tooltip.length).toBeLessThanOrEqual(127);
  });

  it('names template images so macOS tints them', () => {
    expect(trayIconFile('alarm', 'darwin')).toBe('tray-alarmTemplate.png');
  });
});
