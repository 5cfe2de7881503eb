import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { defaultFleet } from '../../shared/contract-fake';
import type { FleetSnapshot } from '../../shared/model';
import { createAlertNotifier, notificationText } from './alert-notifications';
import { contextMenuTemplate } from './context-menu';
import { createNotificationKeeper } from './notification-keeper';
import { positionPopover } from './popover-position';
import { summarizeResume } from './resume-summary';
import { isTrustedSender } from './trusted-sender';
import { hardenWebContents, popoverWindowOptions } from './window-security';

const NOW = Date.parse('2025-05-01T12:00:00Z');

describe('popover position', () => {
  const screen = { x: 0, y: 25, width: 1440, height: 875 };
  it('sits centred under a menubar icon', () => {
    expect(
      positionPopover({ x: 700, y: 0, width: 22, height: 22 }, { width: 400, height: 600 }, screen),
    ).toEqual({ x: 511, y: 26 });
  });
  it('stays on screen for an icon at the right edge', () => {
    expect(
      positionPopover({ x: 1420, y: 0, width: 20, height: 22 }, { width: 400, height: 600 }, screen).x,
    ).toBe(1040);
  });
  it('goes above an icon in a bottom taskbar (Windows)', () => {
    const work = { x: 0, y: 0, width: 1920, height: 1040 };
    expect(
      positionPopover({ x: 1800, y: 1044, width: 24, height: 32 }, { width: 400, height: 600 }, work),
    ).toEqual({ x: 1520, y: 440 });
  });
  it('falls back to the top-right corner when the tray reports no bounds', () => {
    expect(positionPopover({ x: 0, y: 0, width: 0, height: 0 }, { width: 400, height: 600 }, screen)).toEqual(
      { x: 1036, y: 29 },
    );
  });
});

describe('context menu', () => {
  it('has the items, in order, with the login item checked as it is', () => {
    const noop = () => {};
    const menu = contextMenuTemplate(
      { launchAtLogin: true },
      {
        open: noop,
        snoozeAll: noop,
        syncAll: noop,
        openDataFolder: noop,
        openLogs: noop,
        setLaunchAtLogin: noop,
        quit: noop,
      },
    );
    expect(menu.filter((i) => i.type !== 'separator').map((i) => i.label)).toEqual([
      'Open Vigil',
      'Snooze all alerts for 1 hour',
      'Sync all now',
      'Open data folder',
      'Open logs',
      'Launch at login',
      'Quit Vigil',
    ]);
    expect(menu.find((i) => i.label === 'Launch at login')).toMatchObject({
      type: 'checkbox',
      checked: true,
    });
  });
});

describe('alert notifications', () => {
  const at = new Date(NOW).toISOString();
  it.each([
    ['stalled', 'Transformer has stalled', false],
    ['unreachable', 'Transformer is unreachable', false],
    ['failed', 'Transformer has failed', false],
    ['error', 'Transformer cannot be monitored', false],
    ['finished', 'Transformer has finished', true],
    ['recovered', 'Transformer is back to normal', true],
    ['reminder', 'Transformer still needs attention', false],
  ] as const)('%s → "%s"', (kind, title, silent) => {
    expect(notificationText({ worker: 'Transformer', kind, message: 'why', at })).toEqual({
      title,
      body: 'why',
      silent,
    });
  });

  it('one notification names every worker a silent host took down', () => {
    const workers = ['I3D', 'SlowFast', 'Transformer', 'MagVIT'];
    expect(notificationText({ worker: 'I3D', workers, kind: 'unreachable', message: 'lost', at }).title).toBe(
      'I3D, SlowFast and 2 more are unreachable',
    );
    expect(
      notificationText({ worker: 'I3D', workers: ['I3D', 'MagVIT'], kind: 'recovered', message: 'ok', at })
        .title,
    ).toBe('I3D and MagVIT are back to normal');
  });

  it('a host warning: the host and the trouble in the title, what to do and the workers in the body', () => {
    const message =
      'ec2: memory nearly exhausted: 0.3 of 61 GB free, no swap — the OOM killer or a freeze comes next: lower the batch size';
    expect(
      notificationText({
        worker: 'I3D',
        workers: ['I3D', 'SlowFast'],
        host: 'ec2',
        kind: 'warning',
        message,
        at,
      }),
    ).toEqual({
      title: 'ec2: memory nearly exhausted',
      body: '0.3 of 61 GB free, no swap — the OOM killer or a freeze comes next: lower the batch size\n(I3D and SlowFast)',
      silent: false,
    });
    expect(
      notificationText({
        worker: 'I3D',
        workers: ['I3D'],
        host: 'ec2',
        kind: 'back',
        message: 'ec2: back after 14 min of silence (19:52–20:06): it rebooted (boot id changed)',
        at,
      }),
    ).toEqual({
      title: 'ec2 answers again',
      body: 'back after 14 min of silence (19:52–20:06): it rebooted (boot id changed)',
      silent: false,
    });
  });

  it('shows one notification per alert and opens the worker on click', () => {
    const opened: string[] = [];
    const made: EventEmitter[] = [];
    const keeper = createNotificationKeeper();
    const notify = createAlertNotifier({
      createNotification: () => {
        const n = Object.assign(new EventEmitter(), { show: () => {} });
        made.push(n);
        return n;
      },
      openWorker: (w) => opened.push(w),
      keeper,
    });
    notify({ worker: 'MagVIT', kind: 'unreachable', message: 'gpu-box silent', at });
    notify({ worker: 'I3D', kind: 'finished', message: 'done', at });
    expect(keeper.size()).toBe(2);
    made[0]!.emit('click');
    expect(made).toHaveLength(2);
    expect(opened).toEqual(['MagVIT']);
    expect(keeper.size()).toBe(1); // clicked: let go
    made[1]!.emit('close');
    expect(keeper.size()).toBe(0);
  });

  it('holds notifications until clicked or closed, at most a bound of them (oldest let go)', () => {
    const keeper = createNotificationKeeper(3);
    const made = Array.from({ length: 5 }, () => Object.assign(new EventEmitter(), { show: () => {} }));
    for (const n of made) keeper.keep(n);
    expect(keeper.size()).toBe(3);
    made[4]!.emit('click');
    made[0]!.emit('close'); // already let go: nothing changes
    expect(keeper.size()).toBe(2);
  });
});

describe('resume-from-sleep summary', () => {
  const before: FleetSnapshot = {
    generatedAt: new Date(NOW).toISOString(),
    configError: null,
    workers: defaultFleet(NOW),
  };
  const change = (name: string, patch: object): FleetSnapshot => ({
    ...before,
    workers: before.workers.map((w) => (w.name === name ? { ...w, ...patch } : w)),
  });

  it('says nothing when nothing changed', () => {
    expect(summarizeResume(before, before, 3_600_000)).toBeNull();
  });

  it('lists status changes and progress in one text, with how long the laptop slept', () => {
    const after = change('I3D', { epoch: 18 });
    const both = {
      ...after,
      workers: after.workers.map((w) => (w.name === 'SlowFast' ? { ...w, status: 'failed' as const } : w)),
    };
    expect(summarizeResume(before, both, 130 * 60_000)).toEqual({
      title: 'While you were away (2 h 10 min): 3 need attention',
      body: 'I3D: epoch 12 → 18 / 50\nSlowFast: late → failed',
    });
  });
});

describe('window security', () => {
  it('isolates, sandboxes and gives the page no Node', () => {
    const options = popoverWindowOptions('/app/preload/index.cjs');
    expect(options.webPreferences).toEqual({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
    expect(options).toMatchObject({ frame: false, show: false, skipTaskbar: true });
  });

  it('denies navigation, new windows, webviews and every permission', () => {
    const listeners: Record<string, (e: { preventDefault(): void }) => void> = {};
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    let permission: ((wc: unknown, p: string, cb: (granted: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    hardenWebContents({
      on: (event, fn) => (listeners[event] = fn),
      setWindowOpenHandler: (h) => (openHandler = h),
      session: {
        setPermissionRequestHandler: (h) => (permission = h),
        setPermissionCheckHandler: (h) => (check = h),
      },
    });
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      listeners[event]!({ preventDefault: () => (prevented = true) });
      expect(prevented, event).toBe(true);
    }
    expect(openHandler!({ url: 'https://evil.example' })).toEqual({ action: 'deny' });
    let granted: boolean | undefined;
    permission!(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(check!()).toBe(false);
  });
});

describe('trusted IPC sender', () => {
  const trusted = { webContentsId: 3, appUrl: 'file:///Applications/Vigil.app/out/renderer/index.html' };
  it('accepts our window showing our page', () => {
    expect(
      isTrustedSender({ sender: { id: 3 }, senderFrame: { url: `${trusted.appUrl}#/detail/I3D` } }, trusted),
    ).toBe(true);
  });
  it('refuses another webContents, another page, or a frame without a URL', () => {
    expect(isTrustedSender({ sender: { id: 4 }, senderFrame: { url: trusted.appUrl } }, trusted)).toBe(false);
    expect(
      isTrustedSender({ sender: { id: 3 }, senderFrame: { url: 'file:///tmp/evil.html' } }, trusted),
    ).toBe(false);
    expect(
      isTrustedSender({ sender: { id: 3 }, senderFrame: { url: 'https://evil.example/' } }, trusted),
    ).toBe(false);
    expect(isTrustedSender({ sender: { id: 3 }, senderFrame: null }, trusted)).toBe(false);
  });
  it('compares origins for the dev server', () => {
    const dev = { webContentsId: 1, appUrl: 'http://localhost:5173/' };
    expect(
      isTrustedSender({ sender: { id: 1 }, senderFrame: { url: 'http://localhost:5173/index.html' } }, dev),
    ).toBe(true);
    expect(isTrustedSender({ sender: { id: 1 }, senderFrame: { url: 'http://localhost:5174/' } }, dev)).toBe(
      false,
    );
  });
});
