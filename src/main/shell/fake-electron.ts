// Fake Electron objects for the shell's tests: a tray, a window with its webContents, the app,
// notifications and a power monitor that record what the shell does with them, over the fake backend.

import { EventEmitter } from 'node:events';
import { FakeClock } from '../../../test/support/fake-clock';
import { createFakeBackend } from '../../shared/contract-fake';
import type { MenuItemTemplate } from './context-menu';
import type { Log } from './log-file';
import type { ShellDeps } from './shell';
import type { PopoverWindowOptions } from './window-security';

export const NOW = Date.parse('2025-05-01T12:00:00Z');
export const flush = () => new Promise((r) => setTimeout(r, 0));

export function fakes(platform: NodeJS.Platform = 'darwin') {
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
