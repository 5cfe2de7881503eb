// The Electron entry: the one file that imports electron. It hands the real objects to startShell.

import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, Notification, powerMonitor, screen, shell, Tray } from 'electron';
import { defaultConfigPath } from '../engine/config';
import { defaultDataDir } from '../engine/files';
import { EngineService } from '../engine/fleet';
import { type Shell, startShell } from './shell';

const here = fileURLToPath(new URL('.', import.meta.url));

// Kept in module scope for the life of the app: a garbage-collected Tray disappears from the menubar.
let running: Shell | null = null;
let engine: EngineService | null = null;

if (!app.requestSingleInstanceLock()) app.quit();

app.on('window-all-closed', () => {
  // A menubar app keeps running with no window.
});

app.on('second-instance', () => running?.showWindow());

app.on('before-quit', () => {
  void engine?.stop();
});

void app.whenReady().then(async () => {
  const dataDir = defaultDataDir();
  engine = new EngineService({
    configPath: defaultConfigPath(),
    dataDir,
    openPath: (path) => void shell.openPath(path),
  });
  try {
    await engine.start();
  } catch (e) {
    // Another Vigil holds the data folder: say so once and leave it in charge.
    new Notification({ title: 'Vigil is already running', body: (e as Error).message }).show();
    app.quit();
    return;
  }
  const backend = engine.backend();
  const assetsDir = app.isPackaged ? join(process.resourcesPath, 'assets') : join(app.getAppPath(), 'assets');
  const rendererUrl =
    process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(here, '../renderer/index.html')).href;
  running = startShell({
    platform: process.platform,
    app: {
      quit: () => app.quit(),
      setAppUserModelId: (id) => app.setAppUserModelId(id),
      getLoginItemSettings: () => app.getLoginItemSettings(),
      setLoginItemSettings: (s) => app.setLoginItemSettings(s),
      dock: app.dock,
    },
    backend,
    createTray: (icon) => new Tray(icon),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    createWindow: (options) => new BrowserWindow(options),
    workAreaNear: (point) => screen.getDisplayNearestPoint(point).workArea,
    ipcMain,
    createNotification: (options) => new Notification(options),
    powerMonitor,
    openPath: (path) => void shell.openPath(path),
    rendererUrl,
    preloadPath: join(here, '../preload/index.cjs'),
    assetsDir,
    dataDir,
    pollNow: () => engine?.pollNow(),
  });
});
