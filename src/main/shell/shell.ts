// The menubar app, assembled from injected Electron objects (shell-deps.ts): the tray that mirrors the
// fleet's health, the popover that hosts the renderer over IPC, the context menu, notifications and
// the sleep/resume summary — each its own module; this file only wires them together.

import { serveBackend } from '../../shared/channel';
import { systemClock } from '../../shared/clock';
import type { FleetSnapshot } from '../../shared/model';
import { createAlertNotifier } from './alert-notifications';
import { createIpcMainTransport } from './ipc-transport';
import { createPopover } from './popover';
import type { PopoverWindowLike, ShellDeps, TrayLike } from './shell-deps';
import { watchSleep } from './sleep-watch';
import { attachTrayMenu } from './tray-menu';
import { createTrayView } from './tray-view';

export type { PopoverWindowLike, ShellDeps, TrayLike } from './shell-deps';

export const APP_USER_MODEL_ID = 'dev.vigil.app';

export interface Shell {
  tray: TrayLike;
  window: PopoverWindowLike;
  showWindow(): void;
  dispose(): void;
}

export function startShell(deps: ShellDeps): Shell {
  const clock = deps.clock ?? systemClock;
  if (deps.platform === 'win32') deps.app.setAppUserModelId(APP_USER_MODEL_ID);
  // A menubar app: no Dock icon on macOS.
  if (deps.platform === 'darwin') deps.app.dock?.hide();

  let latest: FleetSnapshot | null = null;
  const trayView = createTrayView(deps);
  const popover = createPopover(deps, trayView.tray, clock);
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
  attachTrayMenu(deps, trayView.tray, popover.show);

  const notify = createAlertNotifier({ createNotification: deps.createNotification, openWorker });
  const sleep = watchSleep(deps, clock, () => latest);
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
      server.dispose();
    },
  };
}
