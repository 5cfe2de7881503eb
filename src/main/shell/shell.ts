// The menubar app, assembled from injected Electron objects (shell-deps.ts): the tray that mirrors the
// fleet's health, the popover that hosts the renderer over IPC, the context menu, notifications, the
// sleep/resume summary, the log, quitting, and the platforms' ways (macOS: reopened from Finder,
// popover over full-screen apps; Linux: no tray on plain GNOME) — each its own module; this file only
// wires them together.

import { serveBackend } from '../../shared/channel';
import { systemClock } from '../../shared/clock';
import type { FleetSnapshot } from '../../shared/model';
import { createAlertNotifier } from './alert-notifications';
import { logEngineEvents } from './engine-log';
import { createIpcMainTransport } from './ipc-transport';
import type { Log } from './log-file';
import { createNotificationKeeper } from './notification-keeper';
import { createPopover } from './popover';
import { createQuitGuard } from './quit';
import type { PopoverWindowLike, ShellDeps, TrayLike } from './shell-deps';
import { watchSleep } from './sleep-watch';
import { appLoginItems, attachTrayMenu } from './tray-menu';
import { NO_TRAY_NOTICE } from './tray-support';
import { createTrayView } from './tray-view';

export type { PopoverWindowLike, ShellDeps, TrayLike } from './shell-deps';

export const APP_USER_MODEL_ID = 'dev.vigil.app';

export interface Shell {
  tray: TrayLike;
  window: PopoverWindowLike;
  showWindow(): void;
  dispose(): void;
}

const NO_LOG: Log = { file: '', dir: '', info: () => {}, warn: () => {}, error: () => {} };

export function startShell(deps: ShellDeps): Shell {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? NO_LOG;
  if (deps.platform === 'win32') deps.app.setAppUserModelId(APP_USER_MODEL_ID);
  // A menubar app: no Dock icon on macOS.
  if (deps.platform === 'darwin') deps.app.dock?.hide();

  let quitting = false;
  const guard = deps.stopEngine
    ? createQuitGuard({ stop: deps.stopEngine, exit: (code) => deps.app.exit(code), clock, log })
    : null;
  deps.app.on('before-quit', (event) => {
    quitting = true;
    guard?.(event);
  });

  let latest: FleetSnapshot | null = null;
  const trayView = createTrayView(deps);
  const popover = createPopover(deps, trayView.tray, clock, { log, quitting: () => quitting });
  const transport = createIpcMainTransport({
    ipcMain: deps.ipcMain,
    webContents: popover.window.webContents,
    appUrl: deps.rendererUrl,
  });
  const server = serveBackend(transport, deps.backend);
  void popover.window.loadURL(deps.rendererUrl);

  const openWorker = (worker: string) => {
    popover.show();
    transport.send({ type: 'event', event: 'focusWorker', payload: { worker } });
  };
  trayView.tray.on('click', () => popover.toggle());
  attachTrayMenu(
    { ...deps, loginItems: deps.loginItems ?? appLoginItems(deps.app), log },
    trayView.tray,
    popover.show,
  );
  // Opened again from Finder, Spotlight or the Dock while running: show the popover.
  if (deps.platform === 'darwin') deps.app.on('activate', () => popover.show());

  const keeper = createNotificationKeeper();
  const notify = createAlertNotifier({ createNotification: deps.createNotification, openWorker, keeper });
  const sleep = watchSleep(deps, clock, () => latest, keeper);
  const stopLogging = logEngineEvents(deps.backend, log);

  if (deps.trayVisible === false) {
    // No tray to click: the window is the way in. It opens unless started at login, and the first
    // launch says why there is no icon.
    popover.pin();
    log.warn('tray: this desktop shows no tray icons; the window is the way in');
    if (!deps.startedAtLogin) popover.show();
    if (deps.firstLaunch) {
      const n = deps.createNotification({ ...NO_TRAY_NOTICE, silent: false });
      keeper.keep(n);
      n.show();
    }
  }
  const unsubscribe = deps.backend.subscribe((event, payload) => {
    if (event === 'snapshot') {
      latest = payload as FleetSnapshot;
      trayView.show(latest);
    } else if (event === 'alert' && !sleep.asleep()) {
      notify(payload as Parameters<typeof notify>[0]);
    }
  });
  void Promise.resolve(deps.backend.getSnapshot()).then((s) => {
    latest ??= s;
    trayView.show(latest);
  });

  return {
    tray: trayView.tray,
    window: popover.window,
    showWindow: popover.show,
    dispose() {
      unsubscribe();
      stopLogging();
      server.dispose();
    },
  };
}
