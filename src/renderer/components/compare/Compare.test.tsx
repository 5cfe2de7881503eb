// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderApp } from '../../test-harness';

const builds = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../format/chart-data', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../format/chart-data')>();
  return {
    ...real,
    buildChartRows: (...args: Parameters<typeof real.buildChartRows>) => {
      builds.count++;
      return real.buildChartRows(...args);
    },
  };
});

type Window = { happyDOM: { setViewport(v: { width: number; height: number }): void } };
const setWidth = (width: number) =>
  (window as unknown as Window).happyDOM.setViewport({ width, height: 800 });

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.cleanup();
  app = undefined;
  cleanup();
  setWidth(1024);
});

async function list() {
  app = renderApp();
  await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
  return app;
}

const compareCalls = () =>
  app!.backend.calls.filter(
    (c) => c.command === 'getSeries' && (c.args[2] as { maxPoints: number }).maxPoints > 48,
  );
const chartLines = (figure: HTMLElement) => [
  ...figure.querySelectorAll('.recharts-line path.recharts-curve'),
];

describe('compare', () => {
  it('ticking a row does not open it; Compare draws the ticked workers, each with its validation curve', async () => {
    await list();
    const compare = screen.getByRole('button', { name: 'Compare' }) as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Compare I3D' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Compare Transformer' }));
    expect(screen.queryByRole('heading', { name: 'I3D' })).toBeNull(); // still the list
    fireEvent.click(screen.getByRole('button', { name: 'Compare 2' }));
    const figure = await screen.findByRole('figure', { name: 'loss of 2 workers by step' });
    // Each run's own loss, whatever its name, and its validation partner: one getSeries per worker.
    await waitFor(() =>
      expect(compareCalls().map((c) => c.args.slice(0, 2))).toEqual([
        ['I3D', ['loss', 'val_loss']],
        ['Transformer', ['train_loss', 'val_loss']],
      ]),
    );
    // Raw and smoothed, train and validation, for two workers: 8 lines; the validation ones dashed.
    await waitFor(() => expect(chartLines(figure)).toHaveLength(8));
    const dashed = chartLines(figure).filter((p) => p.getAttribute('stroke-dasharray') === '5 4');
    expect(dashed).toHaveLength(4);
    // A colour per worker: I3D's lines share one colour, Transformer's another.
    const colours = new Set(chartLines(figure).map((p) => p.getAttribute('stroke')));
    expect(colours.size).toBe(2);
    const legend = screen.getByRole('list', { name: 'Legend' });
    expect(
      within(legend)
        .getAllByRole('listitem')
        .map((li) => li.dataset.worker),
    ).toEqual(['I3D', 'Transformer']);
    expect(legend.textContent).toMatch(/I3D.*loss 0\.4213 · best [\d.]+ at step [\d.]+k?.*val_loss 0\.5102/);
    // Its NaN stretch is a gap in the curve; the legend says what and where.
    expect(legend.textContent).toMatch(
      /Transformer.*train_loss 1\.903 · best [\d.]+ at step \d+ · NaN from step \d+ to step \d+/,
    );
    // The best value of each line is marked on the chart.
    expect(figure.querySelectorAll('.best-mark')).toHaveLength(4);
  });

  it('Compare all; the x axis by time is time since each run start; a metric only some have', async () => {
    await list();
    fireEvent.click(screen.getByRole('button', { name: 'Compare all' }));
    await screen.findByRole('figure', { name: 'loss of 4 workers by step' });
    // The legend in the list's order (problem hosts and workers first), as the list read a moment ago.
    const legend = screen.getByRole('list', { name: 'Legend' });
    await waitFor(() =>
      expect(
        within(legend)
          .getAllByRole('listitem')
          .map((li) => li.dataset.worker),
      ).toEqual(['MagVIT', 'Transformer', 'SlowFast', 'I3D']),
    );
    fireEvent.click(screen.getByRole('radio', { name: 'time since start' }));
    const figure = await screen.findByRole('figure', { name: 'loss of 4 workers by time since start' });
    await waitFor(() =>
      expect(compareCalls().filter((c) => (c.args[2] as { x: string }).x === 'time')).toHaveLength(4),
    );
    // Every run is measured from its own start: its best loss is hours into the run, not a time of day.
    await waitFor(() =>
      expect(screen.getByRole('list', { name: 'Legend' }).textContent).toMatch(
        /best [\d.]+ at [1-6] h( \d+ min)? since start/,
      ),
    );
    expect(figure).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Metric' }), { target: { value: 'lr' } });
    await screen.findByRole('figure', { name: 'lr of 4 workers by time since start' });
    expect(screen.getByText('Not drawn: Transformer (no lr).')).toBeTruthy();
  });

  it('Back and Escape return to the list', async () => {
    await list();
    fireEvent.click(screen.getByRole('button', { name: 'Compare all' }));
    await screen.findByRole('heading', { name: 'Compare' });
    fireEvent.click(screen.getByRole('button', { name: 'Back to all workers' }));
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
    fireEvent.click(screen.getByRole('button', { name: 'Compare all' }));
    await screen.findByRole('heading', { name: 'Compare' });
    fireEvent.keyDown(document, { key: 'Escape' });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
  });

  it('is not rebuilt for the clock tick', async () => {
    await list();
    fireEvent.click(screen.getByRole('button', { name: 'Compare all' }));
    const figure = await screen.findByRole('figure', { name: 'loss of 4 workers by step' });
    await waitFor(() => expect(chartLines(figure).length).toBeGreaterThan(0));
    const before = builds.count;
    for (let i = 0; i < 10; i++) await app!.advance(1000);
    expect(builds.count - before).toBe(0);
  });
});

describe('layout', () => {
  it('in the 420 px popover, one view at a time', async () => {
    setWidth(420);
    await list();
    fireEvent.click(screen.getAllByRole('option').find((r) => r.dataset.worker === 'I3D')!);
    await screen.findByRole('heading', { name: 'I3D' });
    expect(screen.queryByRole('listbox')).toBeNull();
  });

  it('in a wide browser window, the list stays beside the detail and the comparison', async () => {
    setWidth(1280);
    await list();
    expect(screen.getByText(/Open a worker, or tick several/)).toBeTruthy();
    fireEvent.click(screen.getAllByRole('option').find((r) => r.dataset.worker === 'I3D')!);
    await screen.findByRole('heading', { name: 'I3D' });
    expect(screen.getAllByRole('option')).toHaveLength(4);
    // Another worker opens beside the list, in place of the first.
    fireEvent.click(screen.getAllByRole('option').find((r) => r.dataset.worker === 'SlowFast')!);
    await screen.findByRole('heading', { name: 'SlowFast' });
    expect(screen.queryByRole('heading', { name: 'I3D' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Compare all' }));
    await screen.findByRole('heading', { name: 'Compare' });
    expect(screen.getAllByRole('option').filter((o) => o.dataset.worker)).toHaveLength(4);
  });
});
