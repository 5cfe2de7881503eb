import { describe, expect, it } from 'vitest';
import { type FleetSnapshot, WORKER_STATUSES, type WorkerSnapshot } from '../../../shared/model';
import { escapeLabel, prometheusText } from './prometheus';

const worker = (over: Partial<WorkerSnapshot>): WorkerSnapshot => ({
  name: 'I3D',
  host: 'ec2',
  status: 'running',
  reason: '',
  epoch: 12,
  totalEpochs: 50,
  step: 1200,
  loss: 0.25,
  lossMetric: 'train_loss',
  metrics: { train_loss: 0.25, lr: 3e-4 },
  records: 12,
  lastProgressAt: '2026-11-29T03:00:00.000Z',
  lastContactAt: '2026-11-29T03:00:01.500Z',
  mirror: null,
  connection: 'ok',
  process: 'running',
  format: 'jsonl',
  logTail: [],
  sync: [],
  ...over,
});
const snap = (workers: WorkerSnapshot[], extra: Partial<FleetSnapshot> = {}): FleetSnapshot => ({
  generatedAt: '2026-11-29T03:00:02.000Z',
  workers,
  configError: null,
  ...extra,
});
const lines = (s: FleetSnapshot) => prometheusText(s).split('\n');

describe('prometheusText', () => {
  it('one status series per status, 1 for the current one; values, loss and times in seconds', () => {
    const out = lines(snap([worker({})]));
    expect(out).toContain('vigil_worker_status{worker="I3D",host="ec2",status="running"} 1');
    expect(out).toContain('vigil_worker_status{worker="I3D",host="ec2",status="stalled"} 0');
    expect(out.filter((l) => l.startsWith('vigil_worker_status{'))).toHaveLength(WORKER_STATUSES.length);
    expect(out).toContain('vigil_worker_epoch{worker="I3D"} 12');
    expect(out).toContain('vigil_worker_total_epochs{worker="I3D"} 50');
    expect(out).toContain('vigil_worker_step{worker="I3D"} 1200');
    expect(out).toContain('vigil_worker_loss{worker="I3D",metric="train_loss"} 0.25');
    expect(out).toContain('vigil_worker_metric{worker="I3D",metric="lr"} 0.0003');
    expect(out).toContain('vigil_worker_last_progress_timestamp_seconds{worker="I3D"} 1795921200');
    expect(out).toContain('vigil_host_up{host="ec2"} 1');
    expect(out).toContain('vigil_host_last_contact_timestamp_seconds{host="ec2"} 1795921201.5');
    expect(out).toContain('vigil_config_ok 1');
    expect(out).toContain('# TYPE vigil_worker_status gauge');
  });

  it('NaN and infinities as the format spells them; unknown values are left out, not 0', () => {
    const out = lines(
      snap([
        worker({
          loss: Number.NaN,
          metrics: { train_loss: Number.NaN, grad: Number.POSITIVE_INFINITY, m: -Infinity },
        }),
        worker({
          name: 'New',
          epoch: null,
          totalEpochs: null,
          step: null,
          loss: null,
          lastProgressAt: null,
          metrics: {},
        }),
      ]),
    );
    expect(out).toContain('vigil_worker_loss{worker="I3D",metric="train_loss"} NaN');
    expect(out).toContain('vigil_worker_metric{worker="I3D",metric="grad"} +Inf');
    expect(out).toContain('vigil_worker_metric{worker="I3D",metric="m"} -Inf');
    expect(out.filter((l) => l.includes('worker="New"') && !l.startsWith('vigil_worker_status'))).toEqual([]);
  });

  it('escapes label values: backslash, double quote, line feed', () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const out = prometheusText(snap([worker({ metrics: { 'val"acc\\top\n1': 1 } })]));
    expect(out).toContain('vigil_worker_metric{worker="I3D",metric="val\\"acc\\\\top\\n1"} 1');
  });

  it('a host is up while any of its workers is in contact; sync rules and relay targets have their gauges', () => {
    const out = lines(
      snap(
        [
          worker({
            connection: 'unreachable',
            sync: [
              {
                to: '/home/u/Vigil/I3D/',
                lastSyncAt: '2026-11-29T02:00:00.000Z',
                lastOkAt: '2026-11-29T01:00:00.000Z',
                result: 'rsync failed',
                bytes: 0,
                state: 'idle',
              },
            ],
          }),
        ],
        {
          configError: 'config.yaml:3:1: …',
          relay: [
            {
              id: 'x',
              label: 'ntfy ntfy.sh',
              state: 'failing',
              error: 'HTTP 500',
              failingSince: null,
              retryAt: null,
              lastSentAt: null,
              pending: 2,
              dropped: 1,
            },
          ],
        },
      ),
    );
    expect(out).toContain('vigil_host_up{host="ec2"} 0');
    expect(out).toContain(
      'vigil_sync_last_success_timestamp_seconds{worker="I3D",to="/home/u/Vigil/I3D/"} 1795914000',
    );
    expect(out).toContain('vigil_sync_ok{worker="I3D",to="/home/u/Vigil/I3D/"} 0');
    expect(out).toContain('vigil_relay_target_up{target="ntfy ntfy.sh"} 0');
    expect(out).toContain('vigil_relay_pending{target="ntfy ntfy.sh"} 2');
    expect(out).toContain('vigil_relay_dropped_total{target="ntfy ntfy.sh"} 1');
    expect(out).toContain('vigil_config_ok 0');
  });
});
