// One worker's snapshot as the CLI's renderers are tested with: running at epoch 12/50, its last
// progress 3 min before 2026-11-28T03:00Z and its last contact half a second before.

import type { WorkerSnapshot } from '../../src/shared/model';

export const SNAPSHOT_AT = '2026-11-28T03:00:00.000Z';

export function workerSnapshot(over: Partial<WorkerSnapshot> = {}): WorkerSnapshot {
  return {
    name: 'I3D',
    host: 'ec2',
    status: 'running',
    reason: 'progress just now',
    epoch: 12,
    totalEpochs: 50,
    step: 1200,
    loss: 0.41234,
    lossMetric: 'loss',
    metrics: {},
    records: 12,
    lastProgressAt: '2026-11-28T02:57:00.000Z',
    lastContactAt: '2026-11-28T02:59:59.500Z',
    mirror: null,
    connection: 'ok',
    process: 'running',
    format: 'jsonl',
    logTail: [],
    sync: [],
    ...over,
  };
}
