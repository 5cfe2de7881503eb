import { describe, expect, it } from 'vitest';
import { SNAPSHOT_AT, workerSnapshot } from '../../../test/support/worker-snapshot';
import type { FleetSnapshot } from '../../shared/model';
import { renderStatusTable } from './table';

const at = SNAPSHOT_AT;
const w = workerSnapshot;

describe('status table', () => {
  it('shows epoch / total, loss, and ages as a person reads them', () => {
    const snap: FleetSnapshot = { generatedAt: at, configError: null, workers: [w({})] };
    const lines = renderStatusTable(snap).split('\n');
    expect(lines[0]).toMatch(/^WORKER\s+STATUS\s+EPOCH\s+LOSS\s+LAST PROGRESS\s+LAST CONTACT$/);
    expect(lines[1]).toMatch(/^I3D\s+running\s+12 \/ 50\s+0\.4123\s+3 min ago\s+just now$/);
  });

  it('NaN and infinite losses are shown, not hidden; missing values are dashes, as in the UI', () => {
    const snap: FleetSnapshot = {
      generatedAt: at,
      configError: null,
      workers: [
        w({ name: 'A', loss: Number.NaN }),
        w({ name: 'B', loss: Number.POSITIVE_INFINITY }),
        w({ name: 'C', loss: null, epoch: null, lastProgressAt: null }),
      ],
    };
    const out = renderStatusTable(snap);
    expect(out).toMatch(/^A\s+running\s+12 \/ 50\s+NaN\s/m);
    // The same words as the popover's row: "∞", "—" (issue 15: the CLI said `inf` and "–").
    expect(out).toMatch(/^B\s+running\s+12 \/ 50\s+∞\s/m);
    expect(out).toMatch(/^C\s+running\s+—\s+—\s+never\s/m);
  });

  it('explains every worker that is not running, a shared host reason only once', () => {
    const reason = 'host key changed for 1.2.3.4:22 …';
    const snap: FleetSnapshot = {
      generatedAt: at,
      configError: null,
      workers: [
        w({ name: 'I3D', status: 'error', reason }),
        w({ name: 'SlowFast', status: 'error', reason }),
        w({ name: 'MagVIT' }),
      ],
    };
    const out = renderStatusTable(snap);
    expect(out).toContain(`  I3D: error — ${reason}`);
    expect(out).toContain('  SlowFast: error — same as I3D');
    expect(out).not.toContain('MagVIT: running');
  });

  it('says where alerts go and whether they get through, with the error and what waits', () => {
    const target = {
      id: 'x',
      failingSince: null,
      retryAt: null,
      lastSentAt: null,
      pending: 0,
      dropped: 0,
      error: null,
    };
    const snap: FleetSnapshot = {
      generatedAt: at,
      configError: null,
      workers: [w({})],
      relay: [
        { ...target, label: 'ntfy ntfy.sh', state: 'ok', lastSentAt: '2026-11-28T02:50:00.000Z' },
        {
          ...target,
          label: 'slack (webhook in /home/u/.config/vigil/slack)',
          state: 'failing',
          failingSince: '2026-11-28T01:00:00.000Z',
          error: 'HTTP 404: nothing at that address — check the url',
          pending: 3,
          dropped: 1,
        },
      ],
    };
    const out = renderStatusTable(snap);
    expect(out).toContain('  alerts → ntfy ntfy.sh: ok, last sent 10 min ago');
    expect(out).toContain(
      '  alerts → slack (webhook in /home/u/.config/vigil/slack): FAILING for 2 h, 3 waiting, 1 dropped — HTTP 404: nothing at that address — check the url',
    );
  });
});

describe('status lines per host', () => {
  it('one line per host: RAM, swap, load, disks, GPUs; then its warnings, or why it is silent', () => {
    const GB = 2 ** 30;
    const base = {
      lastContactAt: at,
      bootId: 'b',
      vitalsAt: at,
      vitalsNote: null,
      gpuNote: null,
      returned: null,
      workers: ['I3D'],
    };
    const snap: FleetSnapshot = {
      generatedAt: at,
      configError: null,
      workers: [w({})],
      hosts: [
        {
          ...base,
          name: 'ec2',
          connection: 'ok',
          vitals: {
            memTotalBytes: 64 * GB,
            memAvailableBytes: 2.5 * GB,
            swapTotalBytes: 0,
            swapFreeBytes: 0,
            load1: 11.84,
            cpus: 16,
            oomKills: 0,
            uptimeSeconds: 1,
            pressure: { memorySome10: 1, memoryFull10: 0, cpuSome10: 1, ioSome10: 0, ioFull10: 0 },
          },
          disks: [
            { path: '/data', freeBytes: 61 * GB, totalBytes: 500 * GB, freeInodes: 1, workers: ['I3D'] },
          ],
          gpus: [
            {
              index: 0,
              name: 'A10G',
              utilPct: 97,
              memUsedBytes: 20 * GB,
              memTotalBytes: 24 * GB,
              tempC: 60,
              powerW: null,
              powerLimitW: null,
              throttle: null,
            },
          ],
          warnings: [{ kind: 'memory', since: at, text: 'memory nearly exhausted: …', workers: ['I3D'] }],
          silence: null,
        },
        {
          ...base,
          name: 'gpu-box',
          connection: 'unreachable',
          vitalsAt: '2026-11-28T02:55:00.000Z',
          vitals: null,
          vitalsNote: 'vitals unavailable: this host has no /proc (not Linux?)',
          disks: [],
          gpus: [],
          warnings: [],
          silence: 'silent since 02:55 · last answer 02:54:58: … → memory exhaustion is the likely cause (…)',
        },
      ],
    };
    const lines = renderStatusTable(snap).split('\n');
    const from = lines.findIndex((l) => l.startsWith('HOST'));
    expect(lines.slice(from)).toEqual([
      'HOST ec2: ok · RAM 2.5 GB free of 64 GB · no swap · load 11.8/16 · disk /data 61 GB free · GPU0 97 % 20 GB/24 GB',
      '  ⚠ memory nearly exhausted: …',
      'HOST gpu-box: unreachable · vitals unavailable: this host has no /proc (not Linux?) (as of 5 min ago)',
      '  silent since 02:55 · last answer 02:54:58: … → memory exhaustion is the likely cause (…)',
    ]);
  });

  it('the finish of runs with a forecast, and a slowdown under the table', () => {
    const snap: FleetSnapshot = {
      generatedAt: at,
      configError: null,
      workers: [
        w({ etaAt: '2026-11-28T04:20:00.000Z' }),
        w({
          name: 'SlowFast',
          etaAt: null,
          slowdown: { factor: 2.3, since: at, text: '2.3× slower than in the last hour' },
        }),
      ],
    };
    const lines = renderStatusTable(snap).split('\n');
    expect(lines[0]).toMatch(/LAST CONTACT\s+FINISH$/);
    expect(lines[1]).toMatch(/just now\s+1 h 20 min left$/);
    expect(lines[2]).toMatch(/just now\s+–$/);
    expect(lines).toContain('  SlowFast: ⚠ 2.3× slower than in the last hour');
  });
});
