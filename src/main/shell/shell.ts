// The menubar app, assembled from injected Electron objects: the tray that mirrors the fleet's
// health, the popover that hosts the renderer, the context menu, notifications and the resume
// summary. main.ts passes the real Electron objects; the tests pass fakes.

import { join } from 'node:path';
import { serveBackend } from '../../shared/channel';
import type { ContractBackend } from '../../shared/contract';
import type { FleetSnapshot } from '../../shared/model';
import { type CreateNotification, createAlertNotifier } from './alert-notifications';
import { contextMenuTemplate, type MenuItemTemplate } from './context-menu';
import { createIpcMainTransport, type IpcMainLike, type WebContentsLike } from './ipc-transport';
import { positionPopover, type Rect } from './popover-position';
import { summarizeResume } from './resume-summary';
import { chooseTrayState, trayIconFile } from './tray-state';
import {
  type HardenableWebContents,
  hardenWebContents,
  type PopoverWindowOptions,
  popoverWindowOptions,
} from './window-security';

export const APP_USER_MODEL_ID = 'dev.vigil.app';
const BLUR_CLICK_MS = 300;

export interface TrayLike {
  setImage(path: string): void;
  setToolTip(text: string): void;
  setTitle(text: string): void;
  getBounds(): Rect;
  on(event: 'click' | 'right-click', listener: () => void): unknown;
  popUpContextMenu(menu: unknown): void;
  setContextMenu(menu: unknown): void;
}

export interface PopoverWindowLike {
  webContents: WebContentsLike & HardenableWebContents;
  loadURL(url: string): Promise<unknown>;
  isVisible(): boolean;
  show(): void;
  hide(): void;
  focus(): void;
  setPosition(x: number, y: number): void;
  getSize(): number[];
  on(event: 'blur', listener: () => void): unknown;
}

export interface ShellDeps {
  platform: NodeJS.Platform;
  app: {
    quit(): void;
    setAppUserModelId(id: string): void;
    getLoginItemSettings(): { openAtLogin: boolean };
    setLoginItemSettings(settings: { openAtLogin: boolean }): void;
    dock?: { hide(): void } | undefined;
  };
  backend: ContractBackend;
  createTray(iconPath: string): TrayLike;
  buildMenu(template: MenuItemTemplate[]): unknown;
  createWindow(options: PopoverWindowOptions): PopoverWindowLike;
  workAreaNear(point: { x: number; y: number }): Rect;
  ipcMain: IpcMainLike;
  createNotification: CreateNotification;
  powerMonitor: { on(event: 'suspend' | 'resume', listener: () => void): unknown };
  openPath(path: string): void;
  /** file://…/index.html (or the dev server's URL). */
  rendererUrl: string;
  preloadPath: string;
  assetsDir: string;
  dataDir: string;
  /** Asks the engine to poll every host now (called on resume from sleep). */
  pollNow?: () => void;
  /** How long after a resume to wait for the engine's fresh poll before summing up. */
  resumeSettleMs?: number;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
}

export interface Shell {
  tray: TrayLike;
  window: PopoverWindowLike;
  showWindow(): void;
  dispose(): void;
}

export function startShell(deps: ShellDeps): Shell {
  const now = deps.now ?? Date.now;
  const later = deps.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  if (deps.platform === 'win32') deps.app.setAppUserModelId(APP_USER_MODEL_ID);
  // A menubar app: no Dock icon on macOS.
  if (deps.platform === 'darwin') deps.app.dock?.hide();

  let latest: FleetSnapshot | null = null;
  const initial = chooseTrayState(null);
  const tray = deps.createTray(join(deps.assetsDir, trayIconFile(initial.icon)));
  const showTrayState = (snapshot: FleetSnapshot | null) => {
    const state = chooseTrayState(snapshot);
    tray.setImage(join(deps.assetsDir, trayIconFile(state.icon)));
    tray.setToolTip(state.tooltip);
    if (deps.platform === 'darwin') tray.setTitle(state.title);
  };
  showTrayState(null);

  const window = deps.createWindow(popoverWindowOptions(deps.preloadPath));
  hardenWebContents(window.webContents);
  // Clicking the tray icon while the popover is open blurs it first; remember when, so that same
  // click closes the popover instead of reopening it.
  let hiddenByBlurAt = Number.NEGATIVE_INFINITY;
  window.on('blur', () => {
    if (!window.isVisible()) return;
    window.hide();
    hiddenByBlurAt = now();
  });
  const transport = createIpcMainTransport({
    ipcMain: deps.ipcMain,
    webContents: window.webContents,
    appUrl: deps.rendererUrl,
  });
  const server = serveBackend(transport, deps.backend);
  void window.loadURL(deps.rendererUrl);

  function showWindow(): void {
    const bounds = tray.getBounds();
    const [width = 420, height = 600] = window.getSize();
    const workArea = deps.workAreaNear({ x: bounds.x + bounds.width / 2, y: bounds.y + bounds.height / 2 });
    const { x, y } = positionPopover(bounds, { width, height }, workArea);
    window.setPosition(x, y);
    window.show();
    window.focus();
  }

  function openWorker(worker: string): void {
    showWindow();
    transport.send({ type: 'event', event: 'focusWorker', payload: { worker } });
  }

  tray.on('click', () => {
    if (window.isVisible()) window.hide();
    else if (now() - hiddenByBlurAt > BLUR_CLICK_MS) showWindow();
  });
  const menu = () => {
    const template = contextMenuTemplate(
      { launchAtLogin: deps.app.getLoginItemSettings().openAtLogin },
      {
        open: showWindow,
        snoozeAll: (ms) => void deps.backend.snooze(null, ms),
        syncAll: () => void deps.backend.syncNow(null),
        openDataFolder: () => deps.openPath(deps.dataDir),
        setLaunchAtLogin: (enabled) => {
          deps.app.setLoginItemSettings({ openAtLogin: enabled });
          if (deps.platform === 'linux') tray.setContextMenu(menu());
        },
        quit: () => deps.app.quit(),
      },
    );
    return deps.buildMenu(template);
  };
  // Linux (AppIndicator) trays report no right-click: the menu must be attached up front.
  if (deps.platform === 'linux') tray.setContextMenu(menu());
  tray.on('right-click', () => tray.popUpContextMenu(menu()));

  const notify = createAlertNotifier({ createNotification: deps.createNotification, openWorker });
  let suspendedAt: number | null = null;
  let beforeSleep: FleetSnapshot | null = null;
  const unsubscribe = deps.backend.subscribe((event, payload) => {
    if (event === 'snapshot') {
      latest = payload as FleetSnapshot;
      showTrayState(latest);
    } else if (event === 'alert' && suspendedAt === null) {
      // Alerts raised while asleep or just after waking are folded into the resume summary.
      notify(payload as Parameters<typeof notify>[0]);
    }
  });
  void Promise.resolve(deps.backend.getSnapshot()).then((s) => {
    latest ??= s;
    showTrayState(latest);
  });

  deps.powerMonitor.on('suspend', () => {
    suspendedAt = now();
    beforeSleep = latest;
  });
  deps.powerMonitor.on('resume', () => {
    const since = suspendedAt ?? now();
    deps.pollNow?.();
    later(() => {
      const before = beforeSleep;
      suspendedAt = null;
      beforeSleep = null;
      if (!before || !latest) return;
      const summary = summarizeResume(before, latest, now() - since);
      if (summary) deps.createNotification({ ...summary, silent: false }).show();
    }, deps.resumeSettleMs ?? 20_000);
  });

  return {
    tray,
    window,
    showWindow,
    dispose() {
      unsubscribe();
      server.dispose();
    },
  };
}
