// The Electron entry: the one file that imports electron. It settles the app's name and folders before
// anything else (Chromium's profile apart from Vigil's data folder, the log in the platform's log
// folder), then hands the real objects to startShell.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, Notification, powerMonitor, screen, shell, Tray } from 'electron';
import { systemClock } from '../../shared/clock';
import { defaultConfigPath } from '../engine/config';
import { defaultDataDir } from '../engine/files';
import { EngineService } from '../engine/fleet';
import { chromiumUserData, logDirFor } from './app-paths';
import { createLogFile } from './log-file';
import { AUTOSTART_FLAG, autostartFile, linuxLoginItems } from './login-items';
import { type Shell, startShell } from './shell';
import type { PreventableEventLike } from './shell-deps';
import { startupFailureText } from './startup-failure';
import { traySupported } from './tray-support';

const here = fileURLToPath(new URL('.', import.meta.url));
const where = { platform: process.platform, env: process.env, home: os.homedir() };

app.setName('Vigil');
const dataDir = defaultDataDir();
// Before anything touches it (the single-instance lock lives there too).
app.setPath('userData', chromiumUserData(where, dataDir));
const log = createLogFile({ dir: logDirFor(where), clock: systemClock });
app.setAppLogsPath(log.dir);
log.info(`start: Vigil ${app.getVersion()} (Electron ${process.versions.electron}, ${process.platform})`);
process.on('uncaughtException', (e) => log.error(`uncaught exception: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (r) =>
  log.error(`unhandled rejection: ${(r as Error)?.stack ?? String(r)}`),
);
process.on('warning', (w) => log.warn(`node: ${w.name}: ${w.message}`));

// Kept in module scope for the life of the app: a garbage-collected Tray disappears from the menubar.
let running: Shell | null = null;
let engine: EngineService | null = null;

if (!app.requestSingleInstanceLock()) app.quit();

app.on('window-all-closed', () => {
  // A menubar app keeps running with no window.
});

app.on('second-instance', () => running?.showWindow());

/** How this app is started again at login (Linux): the AppImage, the packaged binary, or dev Electron. */
function launchCommand(): string[] {
  if (process.env.APPIMAGE) return [process.env.APPIMAGE];
  return app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
}

/** True the first time the app runs on this computer (a marker in Chromium's profile folder). */
function firstLaunch(): boolean {
  const marker = join(app.getPath('userData'), 'first-launch-done');
  if (existsSync(marker)) return false;
  try {
    mkdirSync(app.getPath('userData'), { recursive: true });
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  } catch (e) {
    log.warn(`cannot write ${marker}: ${(e as Error).message}`);
  }
  return true;
}

async function start(): Promise<void> {
  engine = new EngineService({
    configPath: defaultConfigPath(),
    dataDir,
    openPath: (path) => void shell.openPath(path),
  });
  await engine.start();
  const backend = engine.backend();
  const assetsDir = app.isPackaged ? join(process.resourcesPath, 'assets') : join(app.getAppPath(), 'assets');
  const rendererUrl =
    process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(here, '../renderer/index.html')).href;
  const trayVisible = await traySupported(process.platform, process.env);
  const started = engine;
  running = startShell({
    platform: process.platform,
    app: {
      quit: () => app.quit(),
      exit: (code) => app.exit(code),
      setAppUserModelId: (id) => app.setAppUserModelId(id),
      getLoginItemSettings: () => app.getLoginItemSettings(),
      setLoginItemSettings: (s) => app.setLoginItemSettings(s),
      dock: app.dock,
      on: (event: 'activate' | 'before-quit', listener: (e: PreventableEventLike) => void) =>
        app.on(event as 'before-quit', listener),
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
    log,
    loginItems:
      process.platform === 'linux'
        ? linuxLoginItems(autostartFile(process.env, os.homedir()), launchCommand())
        : undefined,
    stopEngine: () => started.stop(),
    trayVisible,
    firstLaunch: firstLaunch(),
    startedAtLogin:
      process.argv.includes(AUTOSTART_FLAG) ||
      (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true),
  });
}

void app.whenReady().then(async () => {
  try {
    await start();
  } catch (e) {
    // Say what failed: "already running" only when another Vigil holds the data folder.
    log.error(`start failed: ${(e as Error)?.stack ?? String(e)}`);
    new Notification(startupFailureText(e, log.file)).show();
    await engine?.stop().catch(() => undefined);
    // A moment for the notification to be posted before the process goes.
    setTimeout(() => app.exit(1), 2_000);
  }
});
