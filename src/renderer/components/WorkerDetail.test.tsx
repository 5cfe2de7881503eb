// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFleet } from '../../shared/contract-fake';
import { NOW, renderApp } from '../test-harness';

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.cleanup();
  app = undefined;
  cleanup();
});

async function openDetail(name: string, options = {}) {
  app = renderApp(options);
  await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
  fireEvent.click(screen.getAllByRole('option').find((r) => r.dataset.worker === name)!);
  await screen.findByRole('heading', { name });
  return app;
}

const seriesCalls = () =>
  app!.backend.calls.filter(
    (c) => c.command === 'getSeries' && (c.args[2] as { maxPoints: number }).maxPoints > 48,
  );

describe('worker detail', () => {
  it('draws the loss curve from a series downsampled to about two points per pixel', async () => {
    await openDetail('I3D');
    const chart = screen.getByRole('figure', { name: 'loss by step' });
    await waitFor(() =>
      expect(chart.querySelectorAll('.recharts-line path.recharts-curve').length).toBeGreaterThan(0),
    );
    expect(seriesCalls().at(-1)!.args).toEqual(['I3D', ['loss'], { maxPoints: 1120, x: 'step' }]);
  });

  it('says when the older part of a long run is drawn thinned, and where the whole records are', async () => {
    await openDetail('I3D', { thinned: { before: 120_000, every: 64 } });
    expect((await screen.findByText(/each stretch of 64 records/)).textContent?.replace(/\s+/g, ' ')).toBe(
      'Before step 120k, each stretch of 64 records is drawn by its first, lowest and highest values — every record is in the mirror.',
    );
  });

  it('marks where the loss is NaN with a band on the chart and says from where to where', async () => {
    await openDetail('Transformer'); // the fake run has a stretch of NaN losses at 60–65 % of its steps
    const chart = screen.getByRole('figure', { name: 'train_loss by step' });
    const caption = await within(chart).findByText(/^train_loss is NaN from step/);
    expect(caption.textContent).toMatch(/^train_loss is NaN from step \d+(\.\d)?k? to step \d+(\.\d)?k?$/);
    await waitFor(() => expect(chart.querySelectorAll('.nan-band').length).toBe(1));
    expect(chart.textContent).toContain('NaN');
  });

  it('shows no such note while every record is held', async () => {
    await openDetail('I3D');
    await waitFor(() => expect(seriesCalls().length).toBeGreaterThan(0));
    expect(screen.queryByText(/each stretch of/)).toBeNull();
  });

  it('shows several metrics at once and switches the x axis', async () => {
    await openDetail('I3D');
    fireEvent.click(screen.getByRole('checkbox', { name: 'val_loss' }));
    await waitFor(() => expect(seriesCalls().at(-1)!.args[1]).toEqual(['loss', 'val_loss']));
    fireEvent.click(screen.getByRole('radio', { name: 'epoch' }));
    await waitFor(() => expect(seriesCalls().at(-1)!.args[2]).toMatchObject({ x: 'epoch' }));
    await screen.findByRole('figure', { name: 'loss, val_loss by epoch' });
  });

  it('has a smoothing slider and a log-scale toggle', async () => {
    await openDetail('I3D');
    const slider = screen.getByRole('slider', { name: /Smoothing/ });
    fireEvent.change(slider, { target: { value: '0.9' } });
    expect(screen.getByText('0.90')).toBeTruthy();
    const log = screen.getByRole('checkbox', { name: 'Log scale' }) as HTMLInputElement;
    fireEvent.click(log);
    expect(log.checked).toBe(true);
  });

  it('lists the latest value of every metric and the log tail', async () => {
    await openDetail('SlowFast');
    const table = screen.getByRole('table');
    expect(within(table).getByRole('row', { name: 'val_loss 0.9033' })).toBeTruthy();
    expect(within(table).getByRole('row', { name: 'lr 5.00e-4' })).toBeTruthy();
    expect(screen.getByLabelText('Log tail').textContent).toContain('[SlowFast] saved checkpoint');
  });

  it('the log opens at its newest line and follows new ones, unless the reader scrolled up', async () => {
    // happy-dom lays nothing out: give the pane a height and its content a scroll height.
    const heights = Object.getOwnPropertyDescriptors(HTMLElement.prototype);
    Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
      configurable: true,
      get(this: HTMLElement) {
        return 20 * (this.textContent?.split('\n').length ?? 1);
      },
    });
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 60 });
    try {
      const a = await openDetail('SlowFast');
      const pre = screen.getByLabelText('Log tail').querySelector('pre')!;
      expect(pre.scrollTop).toBe(pre.scrollHeight);
      const more = (n: number) => {
        const snap = a.backend.snapshot();
        const workers = snap.workers.map((w) =>
          w.name === 'SlowFast'
            ? { ...w, logTail: [...w.logTail, ...Array.from({ length: n }, (_, i) => `line ${i}`)] }
            : w,
        );
        act(() => a.backend.setSnapshot({ ...snap, workers }));
      };
      more(5);
      await waitFor(() => expect(pre.textContent).toContain('line 4'));
      expect(pre.scrollTop).toBe(pre.scrollHeight);
      // Scrolled up to read: new lines do not pull the pane away, even when they arrive before the
      // scroll event does (no event is fired here).
      pre.scrollTop = 20;
      more(5);
      await waitFor(() => expect(pre.textContent?.match(/line 4/g)).toHaveLength(2));
      expect(pre.scrollTop).toBe(20);
      // Back at the bottom: it follows again.
      pre.scrollTop = pre.scrollHeight - 60;
      more(1);
      await waitFor(() => expect(pre.scrollTop).toBe(pre.scrollHeight));
    } finally {
      for (const k of ['scrollHeight', 'clientHeight'] as const) {
        if (heights[k]) Object.defineProperty(HTMLElement.prototype, k, heights[k]);
        else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[k];
      }
    }
  });

  it('sends sync, open-folder and snooze for this worker', async () => {
    await openDetail('Transformer');
    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await screen.findByText('Sync finished');
    fireEvent.click(screen.getByRole('button', { name: 'Open folder' }));
    await screen.findByText('Opened the local folder');
    fireEvent.click(screen.getByRole('button', { name: 'Snooze 1 h' }));
    await screen.findByText('Alerts snoozed for 1 hour');
    expect(
      app!.backend.calls.filter((c) => !['getSnapshot', 'getSeries', 'getResources'].includes(c.command)),
    ).toEqual([
      { command: 'syncNow', args: ['Transformer'] },
      { command: 'openMirror', args: ['Transformer'] },
      { command: 'snooze', args: ['Transformer', 3_600_000] },
    ]);
  });

  it('says plainly that an unreachable worker shows last known values', async () => {
    await openDetail('MagVIT');
    expect(screen.getByText(/Last known values — gpu-box last answered 5 min ago/)).toBeTruthy();
  });

  it('groups the step count as the rest of Vigil writes counts', async () => {
    await openDetail('I3D');
    const facts = screen.getByText('Step').nextElementSibling;
    expect(facts?.textContent).toBe('24,000');
  });

  it('goes back with the back button', async () => {
    await openDetail('I3D');
    fireEvent.click(screen.getByRole('button', { name: 'Back to all workers' }));
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
  });

  it('opens a million-point run at once', async () => {
    await openDetail('I3D', { seriesLength: 1_000_000 });
    const chart = screen.getByRole('figure', { name: 'loss by step' });
    // The engine sends ~2 points per pixel, so the chart draws without touching a million points
    // (paint time is measured in bench/, not here).
    await waitFor(() => expect(chart.querySelector('.recharts-line')).toBeTruthy(), { timeout: 10_000 });
  });
});

describe('"Sync now" in the detail', () => {
  it('is answered at once, follows the progress events and says how the transfer ended', async () => {
    await openDetail('Transformer');
    const b = app!.backend;
    const rule = '/data/sync/Transformer/results';
    const ev = (over: object) => ({
      worker: 'Transformer',
      rule,
      bytes: 0,
      percent: 0,
      rate: 0,
      eta: null,
      ...over,
    });
    // A transfer longer than any command timeout: the command answers, the events tell the rest.
    b.syncNow = (name) => {
      b.calls.push({ command: 'syncNow', args: [name] });
      b.emit('progress', ev({ phase: 'queued' }));
    };
    const button = screen.getByRole('button', { name: 'Sync now' });
    fireEvent.click(button);
    await screen.findByText('Syncing…', { selector: '.notice' });
    expect((screen.getByRole('button', { name: 'Syncing…' }) as HTMLButtonElement).disabled).toBe(true);
    b.emit('progress', ev({ phase: 'running' }));
    b.emit('progress', ev({ bytes: 300, percent: 30, rate: 10, eta: 70 }));
    await screen.findByText('Syncing… 30 %');
    b.emit(
      'progress',
      ev({ phase: 'error', message: 'gpu-box unreachable: no data moved for 120 s', percent: 30 }),
    );
    await screen.findByText('Sync failed: gpu-box unreachable: no data moved for 120 s');
    expect((screen.getByRole('button', { name: 'Sync now' }) as HTMLButtonElement).disabled).toBe(false);
    // Another worker's events are not this one's.
    b.emit('progress', { ...ev({ phase: 'ok', message: 'ok' }), worker: 'I3D' });
    expect(screen.getByText('Sync failed: gpu-box unreachable: no data moved for 120 s')).toBeTruthy();
  });
});

describe('resources in the detail', () => {
  it('shows the run’s RAM, CPU and GPU memory now, and the last hour as a chart', async () => {
    await openDetail('I3D');
    const panel = within(screen.getByRole('region', { name: 'Resources' }));
    expect(panel.getByText('21.4 GB')).toBeTruthy();
    expect(panel.getByText('412 %')).toBeTruthy();
    expect(panel.getByText('19.8 GB')).toBeTruthy();
    const chart = screen.getByRole('figure', { name: 'RAM, GPU memory and CPU over the last hour' });
    await waitFor(() => expect(chart.querySelectorAll('.recharts-line path.recharts-curve').length).toBe(3));
    expect(app!.backend.calls.find((c) => c.command === 'getResources')!.args).toEqual(['I3D', 3_600_000]);
  });

  it('shows nothing of the kind where no vitals are read', async () => {
    const workers = defaultFleet(NOW).map((w) => (w.name === 'I3D' ? { ...w, resources: undefined } : w));
    await openDetail('I3D', { workers });
    expect(screen.queryByRole('region', { name: 'Resources' })).toBeNull();
  });
});

describe('results sync in the detail', () => {
  it('shows a progress bar for a running transfer, then when it ran and how', async () => {
    await openDetail('I3D');
    const b = app!.backend;
    const to = '/home/u/.local/share/vigil/sync/I3D/results';
    const withSync = (state: 'running' | 'idle', lastSyncAt: string | null, result: string | null) => {
      const snap = b.snapshot();
      b.setSnapshot({
        ...snap,
        workers: snap.workers.map((w) =>
          w.name === 'I3D' ? { ...w, sync: [{ to, state, lastSyncAt, result, bytes: 0 }] } : w,
        ),
      });
    };
    withSync('running', null, null);
    b.emit('progress', {
      worker: 'I3D',
      rule: to,
      bytes: 3 * 1024 * 1024,
      percent: 42,
      rate: 1024 * 1024,
      eta: 5,
    });
    const bar = await screen.findByRole('progressbar', { name: `Sync to ${to}` });
    expect(bar.getAttribute('value')).toBe('42');
    const panel = screen.getByRole('region', { name: 'Results sync' });
    expect(panel.textContent).toContain('42 % · 3.0 MiB · 1.0 MiB/s · 5 s left');

    withSync('idle', new Date(Date.parse('2025-05-01T12:00:00Z') - 120_000).toISOString(), 'ok');
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    expect(within(panel).getByText(/2 min ago — ok/)).toBeTruthy();
  });
});
