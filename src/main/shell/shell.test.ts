import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { createFakeBackend } from '../../shared/contract-fake';
import type { FleetSnapshot } from '../../shared/model';
import type { MenuItemTemplate } from './context-menu';
import type { Log } from './log-file';
import { linuxLoginItems } from './login-items';
import { APP_USER_MODEL_ID, type ShellDeps, startShell } from './shell';
import type { PopoverWindowOptions } from './window-security';

const NOW = Date.parse('2025-05-01T12:00:00Z');
const flush = () => new Promise((r) => setTimeout(r, 0));

function fakes(platform: NodeJS.Platform = 'darwin') {
  const log: string[] = [];
  const tray = Object.assign(new EventEmitter(), {
    image: '',
    tooltip: '',
    title: '',
    menu: null as MenuItemTemplate[] | null,
    setImage(p: string) {
      this.image = p;
    },
    setToolTip(t: string) {
      this.tooltip = t;
    },
    setTitle(t: string) {
      this.title = t;
    },
    getBounds: () => ({ x: 1000, y: 0, width: 22, height: 22 }),
    popUpContextMenu(menu: unknown) {
      this.menu = menu as MenuItemTemplate[];
    },
    attached: null as MenuItemTemplate[] | null,
    setContextMenu(menu: unknown) {
      this.attached = menu as MenuItemTemplate[];
    },
  });
  const webContents = Object.assign(new EventEmitter(), {
    id: 7,
    sent: [] as unknown[],
    send(_channel: string, message: unknown) {
      this.sent.push(message);
    },
    isDestroyed: () => false,
    setWindowOpenHandler: () => {},
    session: { setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {} },
  });
  let visible = false;
  let options: PopoverWindowOptions | null = null;
  const window = Object.assign(new EventEmitter(), {
    webContents,
    position: [0, 0],
    loadURL: async (url: string) => log.push(`load ${url}`),
    setVisibleOnAllWorkspaces: (v: boolean, o?: object) =>
      log.push(`all workspaces ${v} ${JSON.stringify(o)}`),
    setAlwaysOnTop: (v: boolean, level?: string) => log.push(`on top ${v} ${level}`),
    setSkipTaskbar: (v: boolean) => log.push(`skip taskbar ${v}`),
    isVisible: () => visible,
    show: () => {
      visible = true;
    },
    hide: () => {
      visible = false;
    },
    focus: () => {},
    setPosition(x: number, y: number) {
      this.position = [x, y];
    },
    getSize: () => [420, 600],
  });
  const notifications: (EventEmitter & { title: string; body: string; shown: boolean })[] = [];
  const power = new EventEmitter();
  const backend = createFakeBackend({ now: NOW });
  const clock = new FakeClock(NOW);
  let loginItem = false;
  const app = new EventEmitter();
  const lines: string[] = [];
  const fileLog: Log = {
    file: '/logs/vigil.log',
    dir: '/logs',
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  const deps: ShellDeps = {
    platform,
    app: {
      on: (event: string, listener: (e: { preventDefault(): void }) => void) => app.on(event, listener),
      exit: (code) => log.push(`exit ${code}`),
      quit: () => log.push('quit'),
      setAppUserModelId: (id) => log.push(`appUserModelId ${id}`),
      getLoginItemSettings: () => ({ openAtLogin: loginItem }),
      setLoginItemSettings: (s) => {
        loginItem = s.openAtLogin;
      },
      dock: { hide: () => log.push('dock hidden') },
    },
    backend,
    createTray: (icon) => {
      tray.image = icon;
      return tray;
    },
    buildMenu: (template) => template,
    createWindow: (o) => {
      options = o;
      return window;
    },
    workAreaNear: () => ({ x: 0, y: 25, width: 1440, height: 875 }),
    ipcMain: new EventEmitter() as never,
    createNotification: (o) => {
      const n = Object.assign(new EventEmitter(), { ...o, shown: false, show: () => (n.shown = true) });
      notifications.push(n);
      return n;
    },
    powerMonitor: power,
    openPath: (p) => log.push(`open ${p}`),
    rendererUrl: 'file:///app/out/renderer/index.html',
    preloadPath: '/app/out/preload/index.cjs',
    assetsDir: '/app/assets',
    dataDir: '/home/me/Vigil',
    clock,
    log: fileLog,
  };
  return {
    deps,
    app,
    lines,
    clock,
    tray,
    window,
    webContents,
    log,
    notifications,
    power,
    backend,
    options: () => options,
  };
}

describe('the menubar shell (with fake Electron objects)', () => {
  it('shows the fleet health on the tray as soon as the first snapshot arrives', async () => {
    const f = fakes('darwin');
    startShell(f.deps);
    await flush();
    expect(f.tray.image).toBe('/app/assets/tray-alarmTemplate.png');
    expect(f.tray.title).toBe('2 ⚠');
    expect(f.tray.tooltip).toMatch(/Transformer stalled/);
    expect(f.log).toContain('dock hidden');
  });

  it('sets the Windows AppUserModelId, and no macOS title elsewhere', async () => {
    const f = fakes('win32');
    startShell(f.deps);
    await flush();
    expect(f.log).toContain(`appUserModelId ${APP_USER_MODEL_ID}`);
    expect(f.tray.title).toBe('');
  });

  it('opens a hardened, sandboxed popover under the icon on click and hides it on the next click or blur', () => {
    const f = fakes();
    startShell(f.deps);
    expect(f.options()!.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(true);
    expect(f.window.position).toEqual([1011 - 210, 22 + 4]);
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(false);
    f.clock.jump(1000);
    f.tray.emit('click');
    f.window.emit('blur');
    expect(f.window.isVisible()).toBe(false);
  });

  it('a click on the icon while the popover is open closes it (blur comes first)', () => {
    const f = fakes();
    startShell(f.deps);
    f.tray.emit('click');
    f.window.emit('blur');
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(false);
    f.clock.jump(1000);
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(true);
  });

  it('attaches the menu up front on Linux, where trays report no right-click', () => {
    const f = fakes('linux');
    startShell(f.deps);
    expect(f.tray.attached!.map((i) => i.label).filter(Boolean)).toContain('Sync all now');
  });

  it('offers the context menu, whose items reach the backend', async () => {
    const f = fakes();
    startShell(f.deps);
    f.tray.emit('right-click');
    const menu = f.tray.menu!;
    const item = (label: RegExp) => menu.find((i) => i.label && label.test(i.label))!;
    item(/Snooze all/).click!();
    item(/Sync all/).click!();
    item(/data folder/).click!();
    item(/Launch at login/).click!();
    item(/Quit/).click!();
    await flush();
    expect(
      f.backend.calls.filter((c) => c.command !== 'getSnapshot').map((c) => [c.command, ...c.args]),
    ).toEqual([
      ['snooze', null, 3_600_000],
      ['syncNow', null],
    ]);
    expect(f.log).toEqual(expect.arrayContaining(['open /home/me/Vigil', 'quit']));
    f.tray.emit('right-click');
    expect(f.tray.menu!.find((i) => i.label === 'Launch at login')!.checked).toBe(true);
  });

  it('notifies each alert; a click opens the popover on that worker', () => {
    const f = fakes();
    startShell(f.deps);
    f.backend.alert('Transformer', 'stalled', 'no progress for 42 min');
    expect(f.notifications).toHaveLength(1);
    expect(f.notifications[0]!.title).toBe('Transformer has stalled');
    expect(f.notifications[0]!.shown).toBe(true);
    f.notifications[0]!.emit('click');
    expect(f.window.isVisible()).toBe(true);
    expect(f.webContents.sent).toContainEqual({
      type: 'event',
      event: 'focusWorker',
      payload: { worker: 'Transformer' },
    });
  });

  it('after sleep, sums up what changed in one notification instead of a burst of alerts', async () => {
    const f = fakes();
    let polled = 0;
    startShell({ ...f.deps, pollNow: () => polled++ });
    const before = f.backend.snapshot();
    f.backend.setSnapshot(before);
    f.power.emit('suspend');
    f.power.emit('resume');
    expect(polled).toBe(1); // every host is polled at once on waking
    const after: FleetSnapshot = {
      ...before,
      workers: before.workers.map((w) => (w.name === 'I3D' ? { ...w, status: 'finished', epoch: 50 } : w)),
    };
    f.backend.setSnapshot(after);
    f.backend.alert('I3D', 'finished', 'reached epoch 50');
    expect(f.notifications).toHaveLength(0);
    await f.clock.advance(19_999);
    expect(f.notifications).toHaveLength(0);
    await f.clock.advance(1);
    expect(f.notifications).toHaveLength(1);
    expect(f.notifications[0]!.body).toBe('I3D: running → finished, epoch 50');
  });
});

describe('the menubar app on macOS', () => {
  it('shows the popover when opened again from Finder or Spotlight (activate)', () => {
    const f = fakes('darwin');
    startShell(f.deps);
    expect(f.window.isVisible()).toBe(false);
    f.app.emit('activate');
    expect(f.window.isVisible()).toBe(true);
  });

  it('puts the popover on every Space and over full-screen apps', () => {
    const f = fakes('darwin');
    startShell(f.deps);
    expect(f.log).toContain(
      'all workspaces true {"visibleOnFullScreen":true,"skipTransformProcessType":true}',
    );
    expect(f.log).toContain('on top true pop-up-menu');
    const linux = fakes('linux');
    startShell(linux.deps);
    expect(linux.log.some((l) => l.startsWith('all workspaces'))).toBe(false);
  });

  it('quitting waits for the engine to stop, then exits', async () => {
    const f = fakes('darwin');
    let stopped!: () => void;
    startShell({ ...f.deps, stopEngine: () => new Promise<void>((r) => (stopped = r)) });
    let prevented = 0;
    const quit = () => f.app.emit('before-quit', { preventDefault: () => prevented++ });
    quit();
    quit(); // a second Cmd-Q while stopping changes nothing
    await f.clock.advance(1_000);
    expect(prevented).toBe(2);
    expect(f.log).not.toContain('exit 0');
    stopped();
    await f.clock.advance(0);
    expect(f.log.filter((l) => l === 'exit 0')).toHaveLength(1);
    expect(f.lines).toContain('info quit: engine stopped');
  });

  it('quits after 5 s even when the engine does not stop (a hung host)', async () => {
    const f = fakes('darwin');
    startShell({ ...f.deps, stopEngine: () => new Promise<void>(() => {}) });
    f.app.emit('before-quit', { preventDefault: () => {} });
    await f.clock.advance(4_999);
    expect(f.log).not.toContain('exit 0');
    await f.clock.advance(1);
    expect(f.log).toContain('exit 0');
    expect(f.lines).toContain('warn quit: the engine did not stop within 5 s; quitting anyway');
  });

  it('reloads a crashed renderer and logs it, but not in a crash loop', async () => {
    const f = fakes('darwin');
    startShell(f.deps);
    const loads = () => f.log.filter((l) => l.startsWith('load ')).length;
    expect(loads()).toBe(1);
    for (let i = 0; i < 4; i++)
      f.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    expect(loads()).toBe(1 + 3);
    expect(
      f.lines.filter((l) => l.startsWith('warn window: the renderer is gone (crashed, exit code 11)')),
    ).toHaveLength(3);
    expect(f.lines.at(-1)).toMatch(/^error window: .*not reloading it \(3 crashes in a minute\)/);
    await f.clock.advance(61_000);
    f.webContents.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });
    expect(loads()).toBe(5);
  });

  it('closing the window hides it (the app lives on in the tray) unless the app is quitting', () => {
    const f = fakes('darwin');
    startShell(f.deps);
    f.tray.emit('click');
    let prevented = false;
    f.window.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(f.window.isVisible()).toBe(false);
    f.app.emit('before-quit', { preventDefault: () => {} });
    prevented = false;
    f.window.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
  });
});

describe('the log', () => {
  it('gets the engine’s warnings: alerts, a config that does not load, failed syncs', () => {
    const f = fakes();
    startShell(f.deps);
    f.backend.alert('Transformer', 'stalled', 'no progress for 42 min');
    f.backend.setSnapshot({ ...f.backend.snapshot(), configError: 'config.yaml:3:1: hosts: unknown key' });
    f.backend.emit('progress', {
      worker: 'I3D',
      rule: '/d/I3D',
      phase: 'error',
      message: 'ec2 unreachable',
      bytes: 0,
      percent: 0,
      rate: 0,
      eta: null,
    });
    expect(f.lines).toEqual(
      expect.arrayContaining([
        'warn alert stalled: Transformer: no progress for 42 min',
        'error config: config.yaml:3:1: hosts: unknown key',
        'warn sync error: I3D → /d/I3D: ec2 unreachable',
      ]),
    );
  });

  it('a menu command that fails is logged, not thrown', async () => {
    const f = fakes();
    f.backend.syncNow = () => {
      throw new Error('no worker has sync rules in the config');
    };
    startShell(f.deps);
    f.tray.emit('right-click');
    expect(() => f.tray.menu!.find((i) => i.label === 'Sync all now')!.click!()).not.toThrow();
    await flush();
    expect(f.lines).toContain('warn menu: sync: no worker has sync rules in the config');
  });

  it('"Open logs" in the menu opens the log folder', () => {
    const f = fakes();
    startShell(f.deps);
    f.tray.emit('right-click');
    f.tray.menu!.find((i) => i.label === 'Open logs')!.click!();
    expect(f.log).toContain('open /logs');
  });
});

describe('the menubar app on Linux', () => {
  it('launches at login through ~/.config/autostart/vigil.desktop', () => {
    const f = fakes('linux');
    const file = path.join(
      mkdtempSync(path.join(os.tmpdir(), 'vigil-autostart-')),
      'autostart',
      'vigil.desktop',
    );
    startShell({ ...f.deps, loginItems: linuxLoginItems(file, ['/opt/Vigil/vigil.AppImage']) });
    const item = () => f.tray.attached!.find((i) => i.label === 'Launch at login')!;
    expect(item().checked).toBe(false);
    item().click!();
    expect(readFileSync(file, 'utf8')).toContain('Exec=/opt/Vigil/vigil.AppImage --autostart');
    expect(item().checked).toBe(true); // the menu was rebuilt (Linux trays need that)
    item().click!();
    expect(existsSync(file)).toBe(false);
  });

  it('with no tray (GNOME without AppIndicator), the first launch opens the window and says why', () => {
    const f = fakes('linux');
    startShell({ ...f.deps, trayVisible: false, firstLaunch: true });
    expect(f.window.isVisible()).toBe(true);
    expect(f.notifications[0]).toMatchObject({
      title: 'Vigil has no menubar icon on this desktop',
      shown: true,
    });
    expect(f.notifications[0]!.body).toMatch(/AppIndicator/);
    expect(f.log).toContain('skip taskbar false');
    f.window.emit('blur'); // no tray to come back through: it stays
    expect(f.window.isVisible()).toBe(true);
  });

  it('with no tray, a later launch opens the window without the notice; a launch at login stays quiet', () => {
    const later = fakes('linux');
    startShell({ ...later.deps, trayVisible: false, firstLaunch: false });
    expect(later.window.isVisible()).toBe(true);
    expect(later.notifications).toHaveLength(0);
    const atLogin = fakes('linux');
    startShell({ ...atLogin.deps, trayVisible: false, firstLaunch: false, startedAtLogin: true });
    expect(atLogin.window.isVisible()).toBe(false);
  });
});
