// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFleet } from '../shared/contract-fake';
import { NOW, renderApp } from './test-harness';

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.cleanup();
  app = undefined;
  cleanup();
});

const rows = () => screen.getAllByRole('option');

describe('the worker list', () => {
  it('shows every worker, problems first, with status word, epoch, loss and times', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(rows().map((r) => r.dataset.worker)).toEqual(['MagVIT', 'Transformer', 'SlowFast', 'I3D']);
    const i3d = within(rows()[3]!);
    expect(i3d.getByText('running')).toBeTruthy();
    expect(i3d.getByText('12 / 50')).toBeTruthy();
    expect(i3d.getByText('0.4213')).toBeTruthy();
    expect(i3d.getByText('progress 30 s ago')).toBeTruthy();
    expect(i3d.getByText('contact 2 s ago', { exact: false })).toBeTruthy();
    expect(i3d.getByText('RAM 21.4 GB · CPU 412 % · GPU 19.8 GB')).toBeTruthy();
  });

  it('groups workers under their host, whose strip shows RAM, swap, disk, GPUs and its warnings', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    const groups = screen.getAllByRole('group');
    expect(groups.map((g) => g.getAttribute('aria-label'))).toEqual(['Host gpu-box', 'Host ec2']);
    const ec2 = within(groups[1]!);
    expect(ec2.getAllByRole('option').map((r) => r.dataset.worker)).toEqual([
      'Transformer',
      'SlowFast',
      'I3D',
    ]);
    expect(ec2.getByTitle('RAM: 2.6 GB free of 64 GB')).toBeTruthy();
    expect(ec2.getByTitle('swap: none')).toBeTruthy();
    expect(ec2.getByTitle('GPU1: 3 % busy')).toBeTruthy();
    expect(ec2.getByTitle('mem1: 21.6 GB of 22.5 GB, 44 °C').className).toContain('level-bad');
    const warnings = ec2.getByRole('list', { name: 'Warnings on ec2' });
    expect(
      within(warnings)
        .getAllByRole('listitem')
        .map((l) => l.querySelector('strong')!.textContent),
    ).toEqual(['memory nearly exhausted', 'GPU 1 idle (3 % for 6 min) while SlowFast is running']);
    // Each warning also on the rows of the workers it concerns.
    expect(within(ec2.getAllByRole('option')[1]!).getByText(/⚠ GPU 1 idle/)).toBeTruthy();
    expect(within(ec2.getAllByRole('option')[2]!).queryByText(/⚠ GPU 1 idle/)).toBeNull();
    expect(within(ec2.getAllByRole('option')[2]!).getByText(/⚠ memory nearly exhausted/)).toBeTruthy();
    const box = within(groups[0]!);
    expect(box.getByText(/^silent since 19:52 · last answer 19:51:58: 0\.3 of 61 GB free/)).toBeTruthy();
    expect(box.getByText('last known, 5 min ago')).toBeTruthy();
  });

  it('draws a loss sparkline for each worker', async () => {
    app = renderApp();
    await waitFor(() =>
      expect(screen.getByRole('img', { name: 'I3D loss trend' }).querySelector('path')).toBeTruthy(),
    );
  });

  it('keeps the last known values of an unreachable worker, marked as such', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    const magvit = within(rows()[0]!);
    expect(magvit.getByText('unreachable')).toBeTruthy();
    expect(magvit.getByText('20 / 40')).toBeTruthy();
    expect(magvit.getByText('0.1502')).toBeTruthy();
    expect(magvit.getByText('last known')).toBeTruthy();
    expect(magvit.getByText('contact 5 min ago', { exact: false })).toBeTruthy();
  });

  it('keeps relative times ticking without new data', async () => {
    app = renderApp();
    await waitFor(() => expect(screen.getByText('progress 30 s ago')).toBeTruthy());
    await app.advance(60_000);
    await waitFor(() => expect(screen.getByText('progress 1 min ago')).toBeTruthy());
  });

  it('says when the link to Vigil is lost, keeping the last values, and how to get it back', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    act(() => app!.stores.fleet.setState({ link: 'lost' }));
    expect(screen.getByRole('status').textContent).toMatch(
      /Disconnected from Vigil — values may be out of date\. If you restarted `vigil serve`, open the\s+new address it printed\./,
    );
    expect(rows()).toHaveLength(4);
  });

  it('says it is reconnecting, with the next try counting down, and clears once a snapshot arrives', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    act(() => app!.stores.fleet.setState({ link: 'reconnecting', retry: { attempt: 3, at: NOW + 4_000 } }));
    expect(screen.getByRole('status').textContent).toMatch(
      /Disconnected from Vigil — reconnecting \(try 3 in 4 s\); values may be out of date\./,
    );
    await app.advance(3_000);
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('(try 3 in 1 s)'));
    expect(rows()).toHaveLength(4);
    // The rows stay, greyed: nothing shown is current.
    expect(screen.getByRole('main').className).toBe('app link-down');
    act(() => app!.backend.setSnapshot(app!.backend.snapshot()));
    await waitFor(() => expect(screen.queryByText(/reconnecting/)).toBeNull());
    expect(screen.getByRole('main').className).toBe('app');
  });

  it('follows pushed snapshots', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    const fleet = defaultFleet(NOW).map((w) => (w.name === 'I3D' ? { ...w, epoch: 13 } : w));
    act(() =>
      app!.backend.setSnapshot({
        generatedAt: new Date(NOW + 1000).toISOString(),
        configError: null,
        workers: fleet,
      }),
    );
    await waitFor(() => expect(screen.getByText('13 / 50')).toBeTruthy());
  });

  it('is usable with the keyboard: arrows move, Enter opens, Escape goes back', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    const list = screen.getByRole('listbox', { name: 'Workers' });
    rows()[0]!.focus();
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows()[1]);
    fireEvent.keyDown(list, { key: 'End' });
    expect(document.activeElement).toBe(rows()[3]);
    fireEvent.keyDown(rows()[3]!, { key: 'Enter' });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'I3D' })).toBeTruthy());
    fireEvent.keyDown(document, { key: 'Escape' });
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(document.activeElement).toBe(rows()[3]);
  });
});

describe('alerts, empty state and configuration errors', () => {
  it('shows an in-page banner for an alert, which opens the worker', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    act(() => app!.backend.alert('Transformer', 'stalled', 'no progress for 42 min'));
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('Transformer stalled: no progress for 42 min');
    fireEvent.click(within(banner).getByRole('button', { name: 'Show' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Transformer' })).toBeTruthy());
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a slowdown banner names the worker once', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    act(() => app!.backend.alert('SlowFast', 'slowdown', 'SlowFast is 2.3× slower than in the last hour'));
    const banner = await screen.findByRole('alert');
    expect(banner.querySelector('.alert-text')!.textContent).toBe(
      'SlowFast is 2.3× slower than in the last hour',
    );
  });

  it('explains how to write the first config when nothing is configured', async () => {
    app = renderApp({ workers: [] });
    await screen.findByRole('heading', { name: 'No workers to watch yet' });
    expect(screen.getByText('vigil init ec2:~/runs')).toBeTruthy();
    expect(screen.getByText(/~\/\.config\/vigil\/config\.yaml/)).toBeTruthy();
    expect(screen.getByText(/metrics: results\/metrics\.jsonl/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Reload configuration' }));
    await waitFor(() => expect(app!.backend.calls.some((c) => c.command === 'reloadConfig')).toBe(true));
  });

  it('shows a configuration error where it happens', async () => {
    app = renderApp({ workers: [], configError: 'config.yaml line 4: workers[0].host: unknown host "ec3"' });
    const box = await screen.findByRole('alert');
    expect(box.textContent).toContain('line 4: workers[0].host');
    expect(screen.queryByText('No workers to watch yet')).toBeNull();
  });

  it('says which alert targets are failing, why, and what waits; nothing while they deliver', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    const target = {
      id: 'ntfy-1',
      label: 'ntfy ntfy.sh',
      state: 'ok' as const,
      error: null,
      failingSince: null,
      retryAt: null,
      lastSentAt: null,
      pending: 0,
      dropped: 0,
    };
    const push = (relay: (typeof target)[] | object[]) =>
      act(() => app!.backend.setSnapshot({ ...app!.backend.snapshot(), relay: relay as (typeof target)[] }));
    push([target]);
    expect(screen.queryByRole('alert')).toBeNull();
    push([
      {
        ...target,
        state: 'failing',
        error: 'HTTP 401: the receiver refused the credentials — check the secret in tokenFile',
        failingSince: new Date(NOW - 20 * 60_000).toISOString(),
        pending: 2,
      },
    ]);
    const box = await screen.findByRole('alert');
    expect(box.textContent).toContain('Alerts are not getting through');
    expect(box.textContent).toContain(
      'ntfy ntfy.sh — failing for 20 min, 2 waiting: HTTP 401: the receiver refused the credentials — check the secret in tokenFile',
    );
  });

  it('opens the worker a clicked notification points at', async () => {
    app = renderApp();
    await waitFor(() => expect(rows()).toHaveLength(4));
    act(() => app!.backend.emit('focusWorker', { worker: 'SlowFast' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'SlowFast' })).toBeTruthy());
  });
});
