import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { defaultDataDir } from '../engine/files';
import { chromiumUserData, logDirFor } from './app-paths';
import { createLogFile } from './log-file';
import { autostartFile, desktopEntry, execArg } from './login-items';
import { startupFailureText } from './startup-failure';
import { traySupported } from './tray-support';

const HOME = '/Users/me';

describe('Chromium’s profile and the log, apart from Vigil’s data folder', () => {
  it('macOS: userData is not ~/Library/Application Support/Vigil (the data folder), the log is in ~/Library/Logs', () => {
    const where = { platform: 'darwin' as const, env: {}, home: HOME };
    const data = defaultDataDir({}, 'darwin');
    expect(data).toBe(path.join(os.homedir(), 'Library', 'Application Support', 'Vigil'));
    const macData = '/Users/me/Library/Application Support/Vigil';
    expect(chromiumUserData(where, macData)).toBe('/Users/me/Library/Application Support/dev.vigil.app');
    expect(logDirFor(where)).toBe('/Users/me/Library/Logs/Vigil');
  });

  it('Linux and Windows follow their conventions', () => {
    const linux = {
      platform: 'linux' as const,
      env: { XDG_CONFIG_HOME: '/cfg', XDG_STATE_HOME: '/state' },
      home: '/home/me',
    };
    expect(chromiumUserData(linux, '/home/me/.local/share/vigil')).toBe('/cfg/Vigil');
    expect(logDirFor(linux)).toBe('/state/vigil');
    expect(logDirFor({ ...linux, env: {} })).toBe('/home/me/.local/state/vigil');
    const win = {
      platform: 'win32' as const,
      env: { APPDATA: 'C:/R', LOCALAPPDATA: 'C:/L' },
      home: 'C:/Users/me',
    };
    expect(chromiumUserData(win, 'C:/L/Vigil')).toBe(path.join('C:/R', 'Vigil', 'Chromium'));
  });

  it('never lets the two meet, whatever VIGIL_DATA says', () => {
    const linux = { platform: 'linux' as const, env: {}, home: '/home/me' };
    expect(chromiumUserData(linux, '/home/me/.config/Vigil')).toBe('/home/me/.config/Vigil-chromium');
    expect(chromiumUserData(linux, '/home/me/.config')).toBe('/home/me/.config-chromium');
  });
});

describe('main.ts (the one file that imports electron, read as text: Electron cannot load here)', () => {
  const main = readFileSync(path.join(__dirname, 'main.ts'), 'utf8');
  const at = (needle: string) => {
    const i = main.indexOf(needle);
    expect(i, needle).toBeGreaterThan(-1);
    return i;
  };

  it('names the app Vigil and sets Chromium’s profile and the log folder before anything uses them', () => {
    const lock = at('app.requestSingleInstanceLock()');
    expect(at("app.setName('Vigil')")).toBeLessThan(lock);
    expect(at("app.setPath('userData', chromiumUserData(where, dataDir))")).toBeLessThan(lock);
    expect(at('app.setAppLogsPath(log.dir)')).toBeLessThan(at('app.whenReady()'));
  });

  it('hands the shell the log, the engine’s stop, the Linux login items and the tray check; a failed start says what failed', () => {
    for (const wiring of [
      'log,',
      'stopEngine: () => started.stop()',
      'linuxLoginItems(autostartFile(process.env, os.homedir()), launchCommand())',
      'trayVisible,',
      'new Notification(startupFailureText(e, log.file)).show()',
    ])
      at(wiring);
    expect(main).not.toContain("'Vigil is already running'");
  });
});

describe('the log file', () => {
  it('writes one line per event and rotates by size, keeping a few old files', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-log-')), 'logs');
    const clock = new FakeClock(Date.parse('2026-12-01T10:00:00Z'));
    const log = createLogFile({ dir, clock, maxBytes: 200, keep: 2 });
    log.warn('alert stalled: I3D: no progress\nat epoch 3');
    expect(readFileSync(log.file, 'utf8')).toBe(
      '2026-12-01T10:00:00.000Z warn  alert stalled: I3D: no progress ⏎ at epoch 3\n',
    );
    for (let i = 0; i < 20; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
    expect(readdirSync(dir).sort()).toEqual(['vigil.1.log', 'vigil.2.log', 'vigil.log']);
    for (const f of readdirSync(dir)) expect(readFileSync(path.join(dir, f)).length).toBeLessThanOrEqual(200);
    expect(readFileSync(log.file, 'utf8')).toContain('line 19');
  });

  it('never throws when the folder cannot be written', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-log-')), 'a-file');
    writeFileSync(file, '');
    const log = createLogFile({ dir: path.join(file, 'logs'), clock: new FakeClock() });
    expect(() => log.error('x')).not.toThrow();
  });
});

describe('Linux autostart entry', () => {
  it('lives in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart', () => {
    expect(autostartFile({ XDG_CONFIG_HOME: '/cfg' }, '/home/me')).toBe('/cfg/autostart/vigil.desktop');
    expect(autostartFile({}, '/home/me')).toBe('/home/me/.config/autostart/vigil.desktop');
  });

  it('quotes the command as the Desktop Entry spec asks', () => {
    expect(execArg('/opt/Vigil/vigil')).toBe('/opt/Vigil/vigil');
    expect(execArg('/home/me/My Apps/Vigil.AppImage')).toBe('"/home/me/My Apps/Vigil.AppImage"');
    // Quoted, with a backslash before " ` $ and backslash; then every backslash doubled (the value is an escaped string).
    expect(execArg('/a/$x"y`z\\w')).toBe('"/a/\\\\$x\\\\"y\\\\`z\\\\\\\\w"');
    expect(execArg('50%')).toBe('50%%');
    expect(desktopEntry(['/usr/lib/vigil/vigil', '/usr/lib/vigil/resources/app.asar'])).toContain(
      'Exec=/usr/lib/vigil/vigil /usr/lib/vigil/resources/app.asar --autostart\n',
    );
  });
});

describe('is there a tray on this desktop?', () => {
  const answers =
    (byTool: Record<string, string | null>) =>
    async (file: string): Promise<string | null> =>
      byTool[file] ?? null;

  it('asks the session bus for a StatusNotifierWatcher (gdbus, else dbus-send)', async () => {
    expect(await traySupported('linux', {}, answers({ gdbus: '(true,)\n' }))).toBe(true);
    expect(await traySupported('linux', {}, answers({ gdbus: '(false,)\n' }))).toBe(false);
    expect(
      await traySupported('linux', {}, answers({ 'dbus-send': 'method return …\n   boolean false\n' })),
    ).toBe(false);
  });

  it('without a bus tool, GNOME is assumed trayless and the rest not; macOS and Windows always have one', async () => {
    expect(await traySupported('linux', { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, answers({}))).toBe(false);
    expect(await traySupported('linux', { XDG_CURRENT_DESKTOP: 'KDE' }, answers({}))).toBe(true);
    expect(await traySupported('darwin', {}, answers({}))).toBe(true);
  });
});

describe('a startup failure', () => {
  it('says "already running" only when another Vigil holds the data folder', () => {
    const busy = Object.assign(new Error('another Vigil is already watching with the data folder /d'), {
      name: 'DataDirBusyError',
    });
    expect(startupFailureText(busy, '/logs/vigil.log')).toEqual({
      title: 'Vigil is already running',
      body: 'another Vigil is already watching with the data folder /d',
    });
    const other = Object.assign(new Error("EACCES: permission denied, mkdir '/d'"), { code: 'EACCES' });
    expect(startupFailureText(other, '/logs/vigil.log')).toEqual({
      title: 'Vigil could not start',
      body: "EACCES: permission denied, mkdir '/d' (details in /logs/vigil.log)",
    });
  });
});
