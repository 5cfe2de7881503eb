// Whether this desktop shows tray icons at all. Electron's Linux tray is a StatusNotifierItem: it
// appears only where a StatusNotifierWatcher runs on the session bus (KDE, XFCE, Cinnamon, GNOME *with*
// the AppIndicator extension). Plain GNOME has none, and the icon is silently invisible — so ask the bus,
// with a bound; where nothing can be asked, GNOME is assumed to have none and the rest to have one.

import { execFile } from 'node:child_process';

export type RunFn = (file: string, args: string[], timeoutMs: number) => Promise<string | null>;

const run: RunFn = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) =>
      resolve(err ? null : String(stdout)),
    );
  });

const WATCHER = 'org.kde.StatusNotifierWatcher';

export async function traySupported(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  exec: RunFn = run,
): Promise<boolean> {
  if (platform !== 'linux') return true;
  const gdbus = await exec(
    'gdbus',
    [
      'call',
      '--session',
      '--dest',
      'org.freedesktop.DBus',
      '--object-path',
      '/org/freedesktop/DBus',
      '--method',
      'org.freedesktop.DBus.NameHasOwner',
      WATCHER,
    ],
    2_000,
  );
  if (gdbus !== null) return /\btrue\b/.test(gdbus);
  const dbusSend = await exec(
    'dbus-send',
    [
      '--session',
      '--print-reply',
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      `string:${WATCHER}`,
    ],
    2_000,
  );
  if (dbusSend !== null) return /boolean true/.test(dbusSend);
  return !/gnome/i.test(`${env.XDG_CURRENT_DESKTOP ?? ''}:${env.DESKTOP_SESSION ?? ''}`);
}

export const NO_TRAY_NOTICE = {
  title: 'Vigil has no menubar icon on this desktop',
  body:
    'This desktop shows no tray icons (GNOME needs the AppIndicator extension: gnome-shell-extension-appindicator). ' +
    'Vigil keeps watching and notifies you; open Vigil again from your applications to see this window.',
};
