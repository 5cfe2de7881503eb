// The tray's context menu, wired to the backend and the app. Linux (AppIndicator) trays report no
// right-click, so there the menu is attached up front and rebuilt when a checkbox changes.

import { contextMenuTemplate } from './context-menu';
import type { ShellDeps, TrayLike } from './shell-deps';

export function attachTrayMenu(
  deps: Pick<ShellDeps, 'app' | 'backend' | 'buildMenu' | 'openPath' | 'dataDir' | 'platform'>,
  tray: TrayLike,
  open: () => void,
): void {
  const menu = (): unknown =>
    deps.buildMenu(
      contextMenuTemplate(
        { launchAtLogin: deps.app.getLoginItemSettings().openAtLogin },
        {
          open,
          snoozeAll: (ms) => void deps.backend.snooze(null, ms),
          syncAll: () => void deps.backend.syncNow(null),
          openDataFolder: () => deps.openPath(deps.dataDir),
          setLaunchAtLogin: (enabled) => {
            deps.app.setLoginItemSettings({ openAtLogin: enabled });
            if (deps.platform === 'linux') tray.setContextMenu(menu());
          },
          quit: () => deps.app.quit(),
        },
      ),
    );
  if (deps.platform === 'linux') tray.setContextMenu(menu());
  tray.on('right-click', () => tray.popUpContextMenu(menu()));
}
