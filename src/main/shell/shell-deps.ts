// What the menubar shell needs from Electron, as narrow structural types: main.ts passes the real
// objects, the tests pass fakes. Nothing here imports electron.

import type { Clock } from '../../shared/clock';
import type { ContractBackend } from '../../shared/contract';
import type { CreateNotification } from './alert-notifications';
import type { MenuItemTemplate } from './context-menu';
import type { IpcMainLike, WebContentsLike } from './ipc-transport';
import type { Log } from './log-file';
import type { LoginItems } from './login-items';
import type { Rect } from './popover-position';
import type { HardenableWebContents, PopoverWindowOptions } from './window-security';

export interface TrayLike {
  setImage(path: string): void;
  setToolTip(text: string): void;
  setTitle(text: string): void;
  getBounds(): Rect;
  on(event: 'click' | 'right-click', listener: () => void): unknown;
  popUpContextMenu(menu: unknown): void;
  setContextMenu(menu: unknown): void;
}

export interface PreventableEventLike {
  preventDefault(): void;
}

export interface RendererGoneDetails {
  reason: string;
  exitCode: number;
}

export interface PopoverWindowLike {
  webContents: WebContentsLike &
    HardenableWebContents & {
      on(
        event: 'render-process-gone',
        listener: (event: unknown, details: RendererGoneDetails) => void,
      ): unknown;
    };
  loadURL(url: string): Promise<unknown>;
  isVisible(): boolean;
  show(): void;
  hide(): void;
  focus(): void;
  setPosition(x: number, y: number): void;
  getSize(): number[];
  /** macOS: on every Space, and over full-screen apps. */
  setVisibleOnAllWorkspaces(
    visible: boolean,
    options?: { visibleOnFullScreen?: boolean; skipTransformProcessType?: boolean },
  ): void;
  setAlwaysOnTop(flag: boolean, level?: 'pop-up-menu' | 'floating'): void;
  setSkipTaskbar(skip: boolean): void;
  on(event: 'blur', listener: () => void): unknown;
  on(event: 'close', listener: (event: PreventableEventLike) => void): unknown;
}

export interface AppLike {
  quit(): void;
  /** Quits at once, without another before-quit (after the engine has stopped). */
  exit(code: number): void;
  setAppUserModelId(id: string): void;
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  dock?: { hide(): void } | undefined;
  /** macOS: 'activate' when the app is opened again from Finder, Spotlight or the Dock. */
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: PreventableEventLike) => void): unknown;
}

export interface PowerMonitorLike {
  on(event: 'suspend' | 'resume', listener: () => void): unknown;
}

export interface ShellDeps {
  platform: NodeJS.Platform;
  app: AppLike;
  backend: ContractBackend;
  createTray(iconPath: string): TrayLike;
  buildMenu(template: MenuItemTemplate[]): unknown;
  createWindow(options: PopoverWindowOptions): PopoverWindowLike;
  workAreaNear(point: { x: number; y: number }): Rect;
  ipcMain: IpcMainLike;
  createNotification: CreateNotification;
  powerMonitor: PowerMonitorLike;
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
  /** Time for the shell's own decisions (the blur-click window, the resume summary); default: system. */
  clock?: Clock;
  /** The app's log file (engine warnings, crashes); "Open logs" opens its folder. */
  log?: Log;
  /** "Launch at login" (default: Electron's, through app; Linux passes the autostart file). */
  loginItems?: LoginItems;
  /** Stops the engine; quitting waits for it (at most QUIT_WAIT_MS). */
  stopEngine?: () => Promise<void>;
  /** False on a desktop that shows no tray icons (plain GNOME): the window is the only way in. */
  trayVisible?: boolean;
  /** The first launch on this computer (no tray: the window opens and says why). */
  firstLaunch?: boolean;
  /** Started at login (then the window stays closed, even without a tray). */
  startedAtLogin?: boolean;
}
