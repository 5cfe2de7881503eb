// "Launch at login". macOS and Windows: Electron's login item API. Linux: Electron's API does nothing
// there, so it is the freedesktop way — a .desktop file in ~/.config/autostart (XDG_CONFIG_HOME), which
// GNOME, KDE, XFCE and the others start at login. The entry passes --autostart, so the app knows it was
// started at login (then it does not open its window, even where there is no tray).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LoginItems {
  get(): boolean;
  set(enabled: boolean): void;
}

export const AUTOSTART_FLAG = '--autostart';

export function autostartFile(env: NodeJS.ProcessEnv, home: string): string {
  const config = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'autostart', 'vigil.desktop');
}

/**
 * One argument of a desktop entry's Exec key: quoted when it has a reserved character, with `"`, `` ` ``,
 * `$` and `\` escaped inside the quotes (Desktop Entry spec, "The Exec key"), then every backslash
 * doubled once more because the value is itself a string with escapes.
 */
export function execArg(arg: string): string {
  const plain = /^[A-Za-z0-9_./:@%+,=-]+$/.test(arg);
  const word = plain ? arg : `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
  return word.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

export function desktopEntry(exec: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Vigil',
    'Comment=Keeps watch over training runs on remote machines',
    `Exec=${[...exec, AUTOSTART_FLAG].map(execArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The Linux login item: the autostart file exists and is not disabled (Hidden=true). */
export function linuxLoginItems(file: string, exec: readonly string[]): LoginItems {
  return {
    get() {
      try {
        const text = readFileSync(file, 'utf8');
        return (
          !/^\s*Hidden\s*=\s*true\s*$/im.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false/im.test(text)
        );
      } catch {
        return false;
      }
    },
    set(enabled) {
      if (!enabled) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, desktopEntry(exec), { mode: 0o644 });
    },
  };
}
