// Where the desktop app keeps what is not Vigil's data: Chromium's profile (userData) and the log
// files. Electron's default userData on macOS is ~/Library/Application Support/<name> — for an app
// named "Vigil" exactly Vigil's own data folder, so a packaged app would put Chromium's profile, caches
// and lock files among the mirrors. Both are set explicitly, apart from the data folder. Pure.

import path from 'node:path';

export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

const inside = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Chromium's profile: named by the bundle id on macOS, the app's config folder elsewhere. */
export function chromiumUserData(p: PlatformEnv, dataDir: string): string {
  let dir: string;
  if (p.platform === 'darwin') dir = path.join(p.home, 'Library', 'Application Support', 'dev.vigil.app');
  else if (p.platform === 'win32')
    dir = path.join(p.env.APPDATA ?? path.join(p.home, 'AppData', 'Roaming'), 'Vigil', 'Chromium');
  else {
    const xdg = p.env.XDG_CONFIG_HOME?.startsWith('/') ? p.env.XDG_CONFIG_HOME : path.join(p.home, '.config');
    dir = path.join(xdg, 'Vigil');
  }
  // VIGIL_DATA may point anywhere: never let the two meet.
  if (inside(dir, dataDir) || inside(dataDir, dir)) dir = `${dataDir.replace(/\/+$/, '')}-chromium`;
  return dir;
}

/** The platform's log folder: ~/Library/Logs/Vigil, %LOCALAPPDATA%\Vigil\logs, $XDG_STATE_HOME/vigil. */
export function logDirFor(p: PlatformEnv): string {
  if (p.platform === 'darwin') return path.join(p.home, 'Library', 'Logs', 'Vigil');
  if (p.platform === 'win32')
    return path.join(p.env.LOCALAPPDATA ?? path.join(p.home, 'AppData', 'Local'), 'Vigil', 'logs');
  const state = p.env.XDG_STATE_HOME?.startsWith('/')
    ? p.env.XDG_STATE_HOME
    : path.join(p.home, '.local', 'state');
  return path.join(state, 'vigil');
}
