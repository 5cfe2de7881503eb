import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../shared/contract';
import { groupAlerts } from './alert-groups';

const at = '2026-11-28T03:00:00.000Z';
const lost = 'connection to ec2 lost: no answer to 3 keepalives';

describe('groupAlerts', () => {
  it('a silent host is one alert naming all its workers', () => {
    const alerts: AlertEvent[] = ['I3D', 'SlowFast', 'Transformer', 'MagVIT'].map((worker) => ({
      worker,
      kind: 'unreachable',
      message: lost,
      at,
    }));
    expect(groupAlerts(alerts)).toEqual([
      {
        worker: 'I3D',
        workers: ['I3D', 'SlowFast', 'Transformer', 'MagVIT'],
        kind: 'unreachable',
        message: lost,
        at,
      },
    ]);
  });

  it('different causes stay apart; a lone alert is unchanged', () => {
    const alerts: AlertEvent[] = [
      { worker: 'I3D', kind: 'stalled', message: 'no progress for 16 min', at },
      { worker: 'SlowFast', kind: 'stalled', message: 'no progress for 31 min', at },
      { worker: 'MagVIT', kind: 'failed', message: 'CUDA out of memory', at },
    ];
    expect(groupAlerts(alerts)).toEqual(alerts);
  });
});

describe('groupAlerts keys', () => {
  it('a group carries its first worker’s key, a lone alert its own', () => {
    const alerts: AlertEvent[] = ['A', 'B'].map((worker) => ({
      worker,
      kind: 'unreachable',
      message: lost,
      at,
      key: `${worker}/unreachable-1:unreachable`,
    }));
    alerts.push({ worker: 'C', kind: 'failed', message: 'Killed', at, key: 'C/failed-1:failed' });
    expect(groupAlerts(alerts).map((a) => [a.workers ?? [a.worker], a.key])).toEqual([
      [['A', 'B'], 'A/unreachable-1:unreachable'],
      [['C'], 'C/failed-1:failed'],
    ]);
  });
});
