// @vitest-environment happy-dom
// The chart is rebuilt when its data or its drawing options change, never for the clock's tick (which
// re-renders the detail every second so its ages stay true).
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderApp } from '../test-harness';

const builds = vi.hoisted(() => ({ count: 0 }));
vi.mock('../format/chart-data', async (importOriginal) => {
  const real = await importOriginal<typeof import('../format/chart-data')>();
  return {
    ...real,
    buildChartRows: (...args: Parameters<typeof real.buildChartRows>) => {
      builds.count++;
      return real.buildChartRows(...args);
    },
  };
});

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.cleanup();
  app = undefined;
  cleanup();
});

describe('the loss chart and the clock', () => {
  it('builds its rows once per data change, not once per tick', async () => {
    app = renderApp();
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
    fireEvent.click(screen.getAllByRole('option').find((r) => r.dataset.worker === 'I3D')!);
    const chart = await screen.findByRole('figure', { name: 'loss by step' });
    await waitFor(() => expect(chart.querySelector('.recharts-line')).toBeTruthy());
    const facts = () => screen.getByRole('article').textContent;
    const before = builds.count;
    const text = facts();
    for (let i = 0; i < 10; i++) await app.advance(1000);
    // The ticks did reach the detail (its ages moved) …
    expect(facts()).not.toBe(text);
    // … and the chart was not rebuilt for them.
    expect(builds.count - before).toBe(0);
    // A drawing option is a reason to rebuild.
    fireEvent.click(screen.getByRole('checkbox', { name: 'Log scale' }));
    await waitFor(() => expect(builds.count - before).toBe(1));
  });
});
