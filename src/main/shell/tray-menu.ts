// The tray's context menu, wired to the backend and the app. Linux (AppIndicator) trays report no
// right-click, so there the menu is attached up front and rebuilt when a checkbox changes.

import { contextMenuTemplate } from './context-menu';
import type { Log } from './log-file';
import type { LoginItems } from './login-items';
import type { ShellDeps, TrayLike } from './shell-deps';

/** Electron's login items (macOS, Windows). */
export function appLoginItems(app: ShellDeps['app']): LoginItems {
  return {
    get: () => app.getLoginItemSettings().openAtLogin,
    set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
  };
}

export function attachTrayMenu(
  deps: Pick<ShellDeps, 'app' | 'backend' | 'buildMenu' | 'openPath' | 'dataDir' | 'platform'> & {
    loginItems: LoginItems;
    log: Log;
  },
  tray: TrayLike,
  open: () => void,
): void {
  // A command that fails from the menu (no sync rules, no config) is logged, never an uncaught error.
  const attempt = (what: string, run: () => unknown) =>
    void Promise.resolve()
      .then(run)
      .catch((e: Error) => deps.log.warn(`menu: ${what}: ${e.message}`));
  const menu = (): unknown =>
    deps.buildMenu(
      contextMenuTemplate(
        { launchAtLogin: deps.loginItems.get() },
        {
          open,
          snoozeAll: (ms) => attempt('snooze', () => deps.backend.snooze(null, ms)),
          // Answers once queued; how each run ends reaches the log through its progress events.
          syncAll: () => attempt('sync', () => deps.backend.syncNow(null)),
          openDataFolder: () => deps.openPath(deps.dataDir),
          openLogs: () => deps.openPath(deps.log.dir || deps.dataDir),
          setLaunchAtLogin: (enabled) => {
            deps.loginItems.set(enabled);
            if (deps.platform === 'linux') tray.setContextMenu(menu());
          },
          quit: () => deps.app.quit(),
        },
      ),
    );
  if (deps.platform === 'linux') tray.setContextMenu(menu());
  tray.on('right-click', () => tray.popUpContextMenu(menu()));
}
