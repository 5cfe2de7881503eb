// The tray's right-click menu, as plain data (structurally what Electron's Menu.buildFromTemplate takes).

export interface MenuItemTemplate {
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox';
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
}

export interface MenuActions {
  open(): void;
  snoozeAll(durationMs: number): void;
  syncAll(): void;
  openDataFolder(): void;
  openLogs(): void;
  setLaunchAtLogin(enabled: boolean): void;
  quit(): void;
}

export const SNOOZE_ALL_MS = 3_600_000;

export function contextMenuTemplate(
  state: { launchAtLogin: boolean },
  actions: MenuActions,
): MenuItemTemplate[] {
  return [
    { label: 'Open Vigil', click: () => actions.open() },
    { type: 'separator' },
    { label: 'Snooze all alerts for 1 hour', click: () => actions.snoozeAll(SNOOZE_ALL_MS) },
    { label: 'Sync all now', click: () => actions.syncAll() },
    { label: 'Open data folder', click: () => actions.openDataFolder() },
    { label: 'Open logs', click: () => actions.openLogs() },
    { type: 'separator' },
    {
      label: 'Launch at login',
      type: 'checkbox',
      checked: state.launchAtLogin,
      click: () => actions.setLaunchAtLogin(!state.launchAtLogin),
    },
    { type: 'separator' },
    { label: 'Quit Vigil', click: () => actions.quit() },
  ];
}
