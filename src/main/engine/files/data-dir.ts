// Where Vigil keeps its data on the laptop: the platform's usual place, or VIGIL_DATA.

import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.VIGIL_DATA) return path.resolve(env.VIGIL_DATA);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Vigil');
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Vigil');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'vigil');
}
