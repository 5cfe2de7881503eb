import { describe, expect, it } from 'vitest';
import { SNAPSHOT_AT, workerSnapshot } from '../../../test/support/worker-snapshot';
import type { FleetSnapshot, HostSnapshot, WorkerSnapshot } from '../../shared/model';
import { changeLines, clockTime, renderFrame, statusCounts } from './watch-frame';
import { frameBytes } from './watch-term';

const at = SNAPSHOT_AT;
const now = Date.parse(at);
const w = workerSnapshot;
function h(over: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    name: 'ec2',
    connection: 'ok',
    lastContactAt: at,
    bootId: null,
    vitalsAt: at,
    vitals: {
      memTotalBytes: 64 * 2 ** 30,
      memAvailableBytes: 20 * 2 ** 30,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
      load1: 3.2,
      cpus: 8,
    } as HostSnapshot['vitals'],
    vitalsNote: null,
    disks: [],
    gpus: [],
    gpuNote: null,
    warnings: [],
    silence: null,
    returned: null,
    workers: ['I3D'],
    ...over,
  };
}
const snap = (workers: WorkerSnapshot[], hosts: HostSnapshot[] = [h()], time = at): FleetSnapshot => ({
  generatedAt: time,
  configError: null,
  workers,
  hosts,
});

describe('the live frame', () => {
  const fleet = snap([w({}), w({ name: 'SlowFast', status: 'stalled', reason: 'no progress for 42 min' })]);

  it('a title with the time and the counts, worst first, then the status table and the host line', () => {
    const lines = renderFrame(fleet, { width: 200, height: 50, color: false });
    expect(lines[0]).toBe(`vigil · ${clockTime(now)} · 1 stalled · 1 running · q quits`);
    expect(lines[2]).toMatch(/^WORKER\s+STATUS/);
    expect(lines[3]).toMatch(/^I3D\s+running\s+12 \/ 50/);
    expect(lines[4]).toMatch(/^SlowFast\s+stalled/);
    expect(lines.join('\n')).toContain('SlowFast: stalled — no progress for 42 min');
    expect(
      lines.some((l) => l.startsWith('HOST ec2: ok · RAM 20 GB free of 64 GB · no swap · load 3.2/8')),
    ).toBe(true);
    expect(lines.join('')).not.toContain('\x1b');
  });

  it('colours each status cell by its status, and nothing else', () => {
    const lines = renderFrame(fleet, { width: 200, height: 50, color: true });
    expect(lines[3]).toContain('\x1b[32mrunning\x1b[0m');
    expect(lines[4]).toContain('\x1b[1;33mstalled\x1b[0m');
    expect(lines[0]).not.toContain('\x1b');
    // Without the codes the row is exactly the plain one: columns stay aligned.
    const plain = renderFrame(fleet, { width: 200, height: 50, color: false });
    expect(lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(plain);
  });

  it('fits a narrow window: no line longer than its width, a cut line ends with …', () => {
    const lines = renderFrame(fleet, { width: 30, height: 50, color: true });
    for (const l of lines) expect(l.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(30);
    expect(lines.some((l) => l.endsWith('…'))).toBe(true);
  });

  it('fits a short window: says how many lines it hides instead of scrolling', () => {
    const many = snap(Array.from({ length: 30 }, (_, i) => w({ name: `W${i}` })));
    const lines = renderFrame(many, { width: 120, height: 10, color: false });
    expect(lines).toHaveLength(10);
    expect(lines[9]).toMatch(/^… \d+ more line\(s\): enlarge the window$/);
  });

  it('an empty fleet says so', () => {
    expect(renderFrame(snap([], []), { width: 80, height: 24, color: false })[0]).toContain('no workers');
  });

  it('statusCounts orders the worst first', () => {
    expect(
      statusCounts(snap([w({ status: 'finished' }), w({ status: 'failed' }), w({ status: 'failed' })])),
    ).toBe('2 failed · 1 finished');
  });

  it('frames are drawn over the last one: home, each line cleared to its end, the rest cleared', () => {
    expect(frameBytes(['a', 'b'])).toBe('\x1b[Ha\x1b[K\nb\x1b[K\x1b[J');
  });
});

describe('change lines (not a terminal)', () => {
  const t = clockTime(now);

  it('the first snapshot tells each worker once', () => {
    expect(changeLines(null, snap([w({ status: 'unknown', reason: 'not yet contacted' })]))).toEqual([
      `${t} I3D unknown: not yet contacted`,
    ]);
  });

  it('a status change is one line with before → after and the reason', () => {
    const a = snap([w({}), w({ name: 'B' })]);
    const b = snap([w({ status: 'stalled', reason: 'no progress for 16 min' }), w({ name: 'B' })]);
    expect(changeLines(a, b)).toEqual([`${t} I3D running → stalled: no progress for 16 min`]);
  });

  it('nothing when only ages, values and reasons tick on', () => {
    const a = snap([w({})]);
    const b = snap(
      [w({ reason: 'progress 2 s ago', epoch: 13, loss: 0.3 })],
      [h({ vitalsAt: '2026-11-28T03:00:10.000Z' })],
    );
    expect(changeLines(a, b)).toEqual([]);
  });

  it("a host's connection change and a new warning episode (once, however its figures move)", () => {
    const warning = {
      kind: 'disk' as const,
      since: at,
      text: 'disk /data nearly full: 1.2 GB left',
      workers: ['I3D'],
    };
    const a = snap([w({})]);
    const b = snap([w({})], [h({ connection: 'unreachable', warnings: [warning] })]);
    expect(changeLines(a, b)).toEqual([
      `${t} host ec2 ok → unreachable`,
      `${t} host ec2 ⚠ disk /data nearly full: 1.2 GB left`,
    ]);
    const c = snap(
      [w({})],
      [
        h({
          connection: 'unreachable',
          warnings: [{ ...warning, text: 'disk /data nearly full: 1.1 GB left' }],
        }),
      ],
    );
    expect(changeLines(b, c)).toEqual([]);
  });
});
