// The shell's platform ways, with fake Electron objects: macOS (reopened from Finder, the popover over
// full-screen apps, quitting, a crashed renderer), the log, and Linux (autostart, no tray).

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakes, flush } from './fake-electron';
import { linuxLoginItems } from './login-items';
import { startShell } from './shell';

describe('the menubar app on macOS', () => {
  it('shows the popover when opened again from Finder or Spotlight (activate)', () => {
    const f = fakes('darwin');
    startShell(f.deps);
    expect(f.window.isVisible()).toBe(false);
    f.app.emit('activate');
    expect(f.window.isVisible()).toBe(true);
  });

  it('puts the popover on every Space and over full-screen apps', () => {
    const f = fakes('darwin');
    startShell(f.deps);
    expect(f.log).toContain(
      'all workspaces true {"visibleOnFullScreen":true,"skipTransformProcessType":true}',
    );
    expect(f.log).toContain('on top true pop-up-menu');
    const linux = fakes('linux');
    startShell(linux.deps);
    expect(linux.log.some((l) => l.startsWith('all workspaces'))).toBe(false);
  });

  it('quitting waits for the engine to stop, then exits', async () => {
    const f = fakes('darwin');
    let stopped!: () => void;
    startShell({ ...f.deps, stopEngine: () => new Promise<void>((r) => (stopped = r)) });
    let prevented = 0;
    const quit = () => f.app.emit('before-quit', { preventDefault: () => prevented++ });
    quit();
    quit(); // a second Cmd-Q while stopping changes nothing
    await f.clock.advance(1_000);
    expect(prevented).toBe(2);
    expect(f.log).not.toContain('exit 0');
    stopped();
    await f.clock.advance(0);
    expect(f.log.filter((l) => l === 'exit 0')).toHaveLength(1);
    expect(f.lines).toContain('info quit: engine stopped');
  });

  it('quits after 5 s even when the engine does not stop (a hung host)', async () => {
    const f = fakes('darwin');
    startShell({ ...f.deps, stopEngine: () => new Promise<void>(() => {}) });
    f.app.emit('before-quit', { preventDefault: () => {} });
    await f.clock.advance(4_999);
    expect(f.log).not.toContain('exit 0');
    await f.clock.advance(1);
    expect(f.log).toContain('exit 0');
    expect(f.lines).toContain('warn quit: the engine did not stop within 5 s; quitting anyway');
  });

  it('reloads a crashed renderer and logs it, but not in a crash loop', async () => {
    const f = fakes('darwin');
    startShell(f.deps);
    const loads = () => f.log.filter((l) => l.startsWith('load ')).length;
    expect(loads()).toBe(1);
    for (let i = 0; i < 4; i++)
      f.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    expect(loads()).toBe(1 + 3);
    expect(
      f.lines.filter((l) => l.startsWith('warn window: the renderer is gone (crashed, exit code 11)')),
    ).toHaveLength(3);
    expect(f.lines.at(-1)).toMatch(/^error window: .*not reloading it \(3 crashes in a minute\)/);
    await f.clock.advance(61_000);
    f.webContents.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });
    expect(loads()).toBe(5);
  });

  it('closing the window hides it (the app lives on in the tray) unless the app is quitting', () => {
    const f = fakes('darwin');
    startShell(f.deps);
    f.tray.emit('click');
    let prevented = false;
    f.window.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(f.window.isVisible()).toBe(false);
    f.app.emit('before-quit', { preventDefault: () => {} });
    prevented = false;
    f.window.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
  });
});

describe('the log', () => {
  it('gets the engine’s warnings: alerts, a config that does not load, failed syncs', () => {
    const f = fakes();
    startShell(f.deps);
    f.backend.alert('Transformer', 'stalled', 'no progress for 42 min');
    f.backend.setSnapshot({ ...f.backend.snapshot(), configError: 'config.yaml:3:1: hosts: unknown key' });
    f.backend.emit('progress', {
      worker: 'I3D',
      rule: '/d/I3D',
      phase: 'error',
      message: 'ec2 unreachable',
      bytes: 0,
      percent: 0,
      rate: 0,
      eta: null,
    });
    expect(f.lines).toEqual(
      expect.arrayContaining([
        'warn alert stalled: Transformer: no progress for 42 min',
        'error config: config.yaml:3:1: hosts: unknown key',
        'warn sync error: I3D → /d/I3D: ec2 unreachable',
      ]),
    );
  });

  it('a menu command that fails is logged, not thrown', async () => {
    const f = fakes();
    f.backend.syncNow = () => {
      throw new Error('no worker has sync rules in the config');
    };
    startShell(f.deps);
    f.tray.emit('right-click');
    expect(() => f.tray.menu!.find((i) => i.label === 'Sync all now')!.click!()).not.toThrow();
    await flush();
    expect(f.lines).toContain('warn menu: sync: no worker has sync rules in the config');
  });

  it('"Open logs" in the menu opens the log folder', () => {
    const f = fakes();
    startShell(f.deps);
    f.tray.emit('right-click');
    f.tray.menu!.find((i) => i.label === 'Open logs')!.click!();
    expect(f.log).toContain('open /logs');
  });
});

describe('the menubar app on Linux', () => {
  it('launches at login through ~/.config/autostart/vigil.desktop', () => {
    const f = fakes('linux');
    const file = path.join(
      mkdtempSync(path.join(os.tmpdir(), 'vigil-autostart-')),
      'autostart',
      'vigil.desktop',
    );
    startShell({ ...f.deps, loginItems: linuxLoginItems(file, ['/opt/Vigil/vigil.AppImage']) });
    const item = () => f.tray.attached!.find((i) => i.label === 'Launch at login')!;
    expect(item().checked).toBe(false);
    item().click!();
    expect(readFileSync(file, 'utf8')).toContain('Exec=/opt/Vigil/vigil.AppImage --autostart');
    expect(item().checked).toBe(true); // the menu was rebuilt (Linux trays need that)
    item().click!();
    expect(existsSync(file)).toBe(false);
  });

  it('with no tray (GNOME without AppIndicator), the first launch opens the window and says why', () => {
    const f = fakes('linux');
    startShell({ ...f.deps, trayVisible: false, firstLaunch: true });
    expect(f.window.isVisible()).toBe(true);
    expect(f.notifications[0]).toMatchObject({
      title: 'Vigil has no menubar icon on this desktop',
      shown: true,
    });
    expect(f.notifications[0]!.body).toMatch(/AppIndicator/);
    expect(f.log).toContain('skip taskbar false');
    f.window.emit('blur'); // no tray to come back through: it stays
    expect(f.window.isVisible()).toBe(true);
  });

  it('with no tray, a later launch opens the window without the notice; a launch at login stays quiet', () => {
    const later = fakes('linux');
    startShell({ ...later.deps, trayVisible: false, firstLaunch: false });
    expect(later.window.isVisible()).toBe(true);
    expect(later.notifications).toHaveLength(0);
    const atLogin = fakes('linux');
    startShell({ ...atLogin.deps, trayVisible: false, firstLaunch: false, startedAtLogin: true });
    expect(atLogin.window.isVisible()).toBe(false);
  });
});
