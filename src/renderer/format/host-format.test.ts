import { describe, expect, it } from 'vitest';
import { defaultFleet, fakeWorker } from '../../shared/contract-fake';
import { defaultHosts } from '../../shared/contract-fake-hosts';
import { gbText, groupByHost, hostBars, resourcesText, warningHeadline } from './host-format';

const NOW = Date.parse('2025-05-01T12:00:00Z');
const GB = 2 ** 30;

describe('host bars', () => {
  it('each bar with its level by threshold and the words saying the same', () => {
    const ec2 = defaultHosts(NOW, defaultFleet(NOW))[0]!;
    const bars = hostBars(ec2);
    expect(bars.map((b) => [b.key, b.level, b.text])).toEqual([
      ['ram', 'bad', '2.6 GB free of 64 GB'],
      ['swap', 'unknown', 'none'],
      ['disk:/home/ubuntu/mono_to_3d', 'ok', '61 GB free on /home/ubuntu/mono_to_3d'],
      ['gpu:0', 'ok', '97 % busy'],
      ['gpumem:0', 'ok', '19.8 GB of 22.5 GB, 71 °C'],
      ['gpu:1', 'ok', '3 % busy'],
      ['gpumem:1', 'bad', '21.6 GB of 22.5 GB, 44 °C'],
    ]);
  });

  it('a disk under 2 GB free is red whatever its size; unknown values are words, never zero', () => {
    const h = { ...defaultHosts(NOW, defaultFleet(NOW))[0]!, gpus: [] };
    h.disks = [{ path: '/x', freeBytes: 1.5 * GB, totalBytes: 4000 * GB, freeInodes: null, workers: [] }];
    expect(hostBars(h).find((b) => b.key === 'disk:/x')!.level).toBe('bad');
    expect(gbText(null)).toBe('—');
    expect(gbText(41 * 2 ** 20)).toBe('41 MB');
    expect(gbText(0)).toBe('0 GB');
    expect(resourcesText({ rssBytes: null, cpuPct: null, gpuMemBytes: null })).toBeNull();
    expect(resourcesText({ rssBytes: 2.5 * GB, cpuPct: 99.6, gpuMemBytes: 0 })).toBe(
      'RAM 2.5 GB · CPU 100 %',
    );
  });
});

describe('the list by host', () => {
  it('hosts with the worst worker first, then a host with warnings; workers problems first', () => {
    const workers = [
      fakeWorker(NOW, { name: 'A', host: 'calm', status: 'running' }),
      fakeWorker(NOW, { name: 'B', host: 'warned', status: 'running' }),
      fakeWorker(NOW, { name: 'C', host: 'calm', status: 'late' }),
      fakeWorker(NOW, { name: 'D', host: 'bad', status: 'failed' }),
    ];
    const base = defaultHosts(NOW, defaultFleet(NOW))[0]!;
    const hosts = [
      { ...base, name: 'calm', warnings: [] },
      { ...base, name: 'warned' },
    ];
    expect(
      groupByHost(workers, hosts).map((g) => [g.name, g.workers.map((w) => w.name), g.host !== null]),
    ).toEqual([
      ['bad', ['D'], false],
      ['calm', ['C', 'A'], true],
      ['warned', ['B'], true],
    ]);
  });

  it('a warning reads headline first', () => {
    expect(warningHeadline('disk nearly full on /data: 1 GB free')).toEqual({
      headline: 'disk nearly full on /data',
      rest: '1 GB free',
    });
  });
});
