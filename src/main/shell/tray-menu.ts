// The tray's context menu, wired to the backend and the app. Linux (AppIndicator) trays report no
// right-click, so there the menu is attached up front and rebuilt when a checkbox changes.

import { contextMenuTemplate } from './context-menu';
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
    logDir: string;
  },
  tray: TrayLike,
  open: () => void,
): void {
  const menu = (): unknown =>
    deps.buildMenu(
      contextMenuTemplate(
        { launchAtLogin: deps.loginItems.get() },
        {
          open,
          snoozeAll: (ms) => void deps.backend.snooze(null, ms),
          syncAll: () => void deps.backend.syncNow(null),
          openDataFolder: () => deps.openPath(deps.dataDir),
          openLogs: () => deps.openPath(deps.logDir),
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
