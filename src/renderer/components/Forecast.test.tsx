// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertEvent } from '../../shared/contract';
import { defaultFleet, fakeWorker } from '../../shared/contract-fake';
import { NOW, renderApp } from '../test-harness';
import { createWebNotifier, type NotificationCtor } from '../web-notifications';
import { NotifyButton } from './NotifyButton';

let app: ReturnType<typeof renderApp> | undefined;
afterEach(() => {
  app?.cleanup();
  app = undefined;
  cleanup();
  document.title = '';
});

const iso = (ms: number) => new Date(ms).toISOString();
const row = (name: string) => within(screen.getAllByRole('option').find((r) => r.dataset.worker === name)!);

function forecastFleet() {
  const [i3d, slowFast, transformer, magvit] = defaultFleet(NOW);
  return [
    { ...i3d!, etaAt: iso(NOW + 80 * 60_000), stepsPerSecond: 2.5, secondsPerEpoch: 300 },
    {
      ...slowFast!,
      status: 'running' as const,
      slowdown: { factor: 2.3, since: iso(NOW - 5 * 60_000), text: '2.3× slower than in the last hour' },
    },
    transformer!,
    magvit!,
    fakeWorker(NOW, { name: 'Broken', status: 'failed', reason: 'exited' }),
    fakeWorker(NOW, { name: 'Broken2', status: 'failed', reason: 'exited' }),
  ];
}

describe('forecast in the list and the detail', () => {
  it('a row says the time left beside the epoch; one without an ETA says nothing', async () => {
    app = renderApp({ workers: forecastFleet() });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(6));
    expect(row('I3D').getByText('1 h 20 min left')).toBeTruthy();
    expect(row('SlowFast').queryByText(/left/)).toBeNull();
    // The slowdown is a warning beside "running", not a status of its own.
    expect(row('SlowFast').getByText('running')).toBeTruthy();
    expect(row('SlowFast').getByText('⚠ 2.3× slower than in the last hour')).toBeTruthy();
  });

  it('the summary line, worst first, and the page title', async () => {
    app = renderApp({ workers: forecastFleet() });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(6));
    const line = document.querySelector('.summary-line')!;
    expect(line.textContent).toBe('2 failed · 1 unreachable · 1 stalled · 2 running · ⚠ 1 slower');
    expect(document.title).toBe('Vigil — 2 failed · 1 unreachable · 1 stalled · 2 running');
  });

  it('no workers: no summary, the title is just Vigil', async () => {
    app = renderApp({ workers: [] });
    await waitFor(() => expect(document.title).toBe('Vigil'));
    expect(document.querySelector('.summary-line')).toBeNull();
  });

  it('the detail gives the finish time and the pace', async () => {
    app = renderApp({ workers: forecastFleet() });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(6));
    fireEvent.click(screen.getAllByRole('option').find((r) => r.dataset.worker === 'I3D')!);
    await waitFor(() => expect(screen.getByText('Finish')).toBeTruthy());
    expect(screen.getByText(/^1 h 20 min left \(at \d\d:20( [AP]M)?\)$/)).toBeTruthy();
    expect(screen.getByText('2.5 steps/s · 5 min per epoch')).toBeTruthy();
  });
});

/** A fake window.Notification recording what it shows. */
function fakeNotification(initial: 'default' | 'granted' | 'denied') {
  const shown: { title: string; body: string; tag?: string; click: () => void }[] = [];
  let permission = initial;
  const requestPermission = vi.fn(async () => {
    permission = 'granted';
    return permission;
  });
  const Ctor = function (
    this: { onclick: unknown; close(): void },
    title: string,
    o: { body: string; tag?: string },
  ) {
    this.onclick = null;
    this.close = () => {};
    shown.push({ title, body: o.body, tag: o.tag, click: () => (this.onclick as () => void)() });
  } as unknown as NotificationCtor;
  Object.defineProperty(Ctor, 'permission', { get: () => permission });
  Object.defineProperty(Ctor, 'requestPermission', { value: requestPermission });
  return { Ctor, shown, requestPermission };
}

const slowdown: AlertEvent = {
  worker: 'SlowFast',
  kind: 'slowdown',
  message: 'SlowFast is 2.3× slower than in the last hour',
  at: iso(NOW),
  key: 'SlowFast/slowdown-x:slowdown',
};

describe('browser notifications (web mode)', () => {
  it('nothing before the user allows it; the button asks once, then notifies with the app texts', async () => {
    const fake = fakeNotification('default');
    const opened: string[] = [];
    const notifier = createWebNotifier(fake.Ctor, (w) => opened.push(w));
    notifier.notify(slowdown);
    expect(fake.shown).toHaveLength(0);
    expect(fake.requestPermission).not.toHaveBeenCalled();
    render(<NotifyButton notifier={notifier} />);
    fireEvent.click(screen.getByRole('button', { name: 'Notify me' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Notify me' })).toBeNull());
    expect(fake.requestPermission).toHaveBeenCalledTimes(1);
    notifier.notify(slowdown);
    expect(fake.shown).toEqual([
      expect.objectContaining({
        title: 'SlowFast has slowed down',
        body: 'SlowFast is 2.3× slower than in the last hour',
        tag: 'SlowFast/slowdown-x:slowdown',
      }),
    ]);
    fake.shown[0]!.click();
    expect(opened).toEqual(['SlowFast']);
  });

  it('a refusal is said (only the browser can undo it); no Notification API: no button', () => {
    const denied = createWebNotifier(fakeNotification('denied').Ctor, () => {});
    render(<NotifyButton notifier={denied} />);
    expect(screen.getByText('notifications blocked')).toBeTruthy();
    cleanup();
    render(<NotifyButton notifier={createWebNotifier(undefined, () => {})} />);
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('the Electron popover (no notifier) has no button', async () => {
    app = renderApp();
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(4));
    expect(screen.queryByRole('button', { name: 'Notify me' })).toBeNull();
  });
});
