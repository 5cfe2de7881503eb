// The menubar icon as a view of the fleet: its image, tooltip and (macOS) title follow each snapshot,
// chosen by the pure chooseTrayState.

import { join } from 'node:path';
import type { FleetSnapshot } from '../../shared/model';
import type { ShellDeps, TrayLike } from './shell-deps';
import { chooseTrayState, trayIconFile } from './tray-state';

export interface TrayView {
  tray: TrayLike;
  show(snapshot: FleetSnapshot | null): void;
}

export function createTrayView(deps: Pick<ShellDeps, 'createTray' | 'assetsDir' | 'platform'>): TrayView {
  const icon = (snapshot: FleetSnapshot | null) =>
    join(deps.assetsDir, trayIconFile(chooseTrayState(snapshot).icon, deps.platform));
  const tray = deps.createTray(icon(null));
  const show = (snapshot: FleetSnapshot | null) => {
    const state = chooseTrayState(snapshot);
    tray.setImage(icon(snapshot));
    tray.setToolTip(state.tooltip);
    if (deps.platform === 'darwin') tray.setTitle(state.title);
  };
  show(null);
  return { tray, show };
}
