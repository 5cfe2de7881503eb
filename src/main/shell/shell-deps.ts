// What the menubar shell needs from Electron, as narrow structural types: main.ts passes the real
// objects, the tests pass fakes. Nothing here imports electron.

import type { Clock } from '../../shared/clock';
import type { ContractBackend } from '../../shared/contract';
import type { CreateNotification } from './alert-notifications';
import type { MenuItemTemplate } from './context-menu';
import type { IpcMainLike, WebContentsLike } from './ipc-transport';
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

export interface AppLike {
  quit(): void;
  setAppUserModelId(id: string): void;
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  dock?: { hide(): void } | undefined;
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
}
