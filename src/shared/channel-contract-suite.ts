// One behavioural suite for the contract, run against every transport (in-memory, WebSocket,
// Electron IPC): whatever wire carries it, a UI must see the same answers, errors and events.

import { afterEach, describe, expect, it } from 'vitest';
import type { ClientOptions, ContractClient } from './channel';
import type { FakeBackend } from './contract-fake';

export interface ContractHarness {
  client: ContractClient;
  backend: FakeBackend;
  close(): Promise<void> | void;
}

export type ContractHarnessFactory = (clientOptions: ClientOptions) => Promise<ContractHarness>;

const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

export function describeContract(transportName: string, factory: ContractHarnessFactory): void {
  describe(`contract over ${transportName}`, () => {
    let harness: ContractHarness | undefined;
    const invalid: Error[] = [];
    const open = async () => {
      invalid.length = 0;
      harness = await factory({ timeoutMs: 5000, onInvalidEvent: (e) => invalid.push(e) });
      return harness;
    };
    afterEach(async () => {
      harness?.client.dispose();
      await harness?.close();
      harness = undefined;
    });

    it('returns the fleet snapshot with its four workers', async () => {
      const { client } = await open();
      const snapshot = await client.getSnapshot();
      expect(snapshot.workers.map((w) => w.name)).toEqual(['I3D', 'SlowFast', 'Transformer', 'MagVIT']);
      expect(snapshot.workers[0]!.epoch).toBe(12);
    });

    it('carries NaN and Infinity metric values intact', async () => {
      const { client, backend } = await open();
      const before = backend.snapshot();
      backend.setSnapshot({
        ...before,
        workers: [
          {
            ...before.workers[0]!,
            loss: Number.NaN,
            metrics: { loss: Number.NaN, grad: Number.POSITIVE_INFINITY },
          },
        ],
      });
      const snapshot = await client.getSnapshot();
      expect(snapshot.workers[0]!.loss).toBeNaN();
      expect(snapshot.workers[0]!.metrics.grad).toBe(Number.POSITIVE_INFINITY);
    });

    it('downsamples a series to the requested budget', async () => {
      const { client } = await open();
      const result = await client.getSeries('I3D', ['loss', 'val_loss'], { maxPoints: 100, x: 'step' });
      expect(result.series.map((s) => s.metric)).toEqual(['loss', 'val_loss']);
      expect(result.series[0]!.totalPoints).toBe(2000);
      expect(result.series[0]!.points.length).toBeLessThanOrEqual(100);
    });

    it('passes every command and its arguments through to the backend', async () => {
      const { client, backend } = await open();
      await client.snooze(null, 3_600_000);
      await client.snooze('I3D', 60_000);
      await client.syncNow('MagVIT');
      await client.syncNow(null);
      await client.openMirror('I3D');
      await client.reloadConfig();
      await client.getSeries('I3D', ['loss'], { maxPoints: 50, x: 'time', range: { from: 0, to: 1e15 } });
      expect(backend.calls.map((c) => [c.command, ...c.args])).toEqual([
        ['snooze', null, 3_600_000],
        ['snooze', 'I3D', 60_000],
        ['syncNow', 'MagVIT'],
        ['syncNow', null],
        ['openMirror', 'I3D'],
        ['reloadConfig'],
        ['getSeries', 'I3D', ['loss'], { maxPoints: 50, x: 'time', range: { from: 0, to: 1e15 } }],
      ]);
    });

    it('rejects a bad argument with the command and the field, without reaching the backend', async () => {
      const { client, backend } = await open();
      const bad = { maxPoints: -5, x: 'step' } as const;
      await expect(client.getSeries('I3D', ['loss'], bad)).rejects.toThrow(/getSeries.*options\.maxPoints/);
      await expect(client.snooze('I3D', 'soon' as unknown as number)).rejects.toThrow(/snooze.*durationMs/);
      await expect(client.getSeries('I3D', ['loss'], { maxPoints: 10, x: 'wall' as 'time' })).rejects.toThrow(
        /getSeries.*options\.x/,
      );
      expect(backend.calls).toEqual([]);
    });

    it('reports a backend failure as a rejected call', async () => {
      const { client } = await open();
      await expect(client.openMirror('nobody')).rejects.toThrow(/no worker named "nobody"/);
    });

    it('pushes events to listeners, and stops when the signal aborts', async () => {
      const { client, backend } = await open();
      const alerts: string[] = [];
      const controller = new AbortController();
      client.on('alert', (a) => alerts.push(`${a.worker} ${a.kind}`), { signal: controller.signal });
      const progress: number[] = [];
      client.on('progress', (p) => progress.push(p.percent));
      // Give the subscription a moment where the wire needs a round trip to be ready.
      await client.getSnapshot();
      backend.alert('Transformer', 'stalled', 'no progress for 42 min');
      backend.emit('progress', { worker: 'I3D', rule: 'results/', bytes: 10, percent: 50, rate: 5, eta: 2 });
      await until(() => alerts.length === 1 && progress.length === 1);
      controller.abort();
      backend.alert('Transformer', 'recovered', 'back');
      backend.emit('progress', { worker: 'I3D', rule: 'results/', bytes: 20, percent: 100, rate: 5, eta: 0 });
      await until(() => progress.length === 2);
      expect(alerts).toEqual(['Transformer stalled']);
    });

    it('drops an event whose payload breaks the contract, and says why', async () => {
      const { client, backend } = await open();
      const seen: unknown[] = [];
      client.on('alert', (a) => seen.push(a));
      await client.getSnapshot();
      backend.emit('alert', { worker: 'I3D', kind: 'exploded', message: 'x', at: 'now' } as never);
      await until(() => invalid.length === 1);
      expect(invalid[0]!.message).toMatch(/alert.*kind/);
      expect(seen).toEqual([]);
    });
  });
}
