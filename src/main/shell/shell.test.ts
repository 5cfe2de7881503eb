import { describe, expect, it } from 'vitest';
import type { FleetSnapshot } from '../../shared/model';
import { fakes, flush } from './fake-electron';
import { APP_USER_MODEL_ID, startShell } from './shell';

describe('the menubar shell (with fake Electron objects)', () => {
  it('shows the fleet health on the tray as soon as the first snapshot arrives', async () => {
    const f = fakes('darwin');
    startShell(f.deps);
    await flush();
    expect(f.tray.image).toBe('/app/assets/tray-alarmTemplate.png');
    expect(f.tray.title).toBe('2 ⚠');
    expect(f.tray.tooltip).toMatch(/Transformer stalled/);
    expect(f.log).toContain('dock hidden');
  });

  it('sets the Windows AppUserModelId, and no macOS title elsewhere', async () => {
    const f = fakes('win32');
    startShell(f.deps);
    await flush();
    expect(f.log).toContain(`appUserModelId ${APP_USER_MODEL_ID}`);
    expect(f.tray.title).toBe('');
  });

  it('opens a hardened, sandboxed popover under the icon on click and hides it on the next click or blur', () => {
    const f = fakes();
    startShell(f.deps);
    expect(f.options()!.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(true);
    expect(f.window.position).toEqual([1011 - 210, 22 + 4]);
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(false);
    f.clock.jump(1000);
    f.tray.emit('click');
    f.window.emit('blur');
    expect(f.window.isVisible()).toBe(false);
  });

  it('a click on the icon while the popover is open closes it (blur comes first)', () => {
    const f = fakes();
    startShell(f.deps);
    f.tray.emit('click');
    f.window.emit('blur');
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(false);
    f.clock.jump(1000);
    f.tray.emit('click');
    expect(f.window.isVisible()).toBe(true);
  });

  it('attaches the menu up front on Linux, where trays report no right-click', () => {
    const f = fakes('linux');
    startShell(f.deps);
    expect(f.tray.attached!.map((i) => i.label).filter(Boolean)).toContain('Sync all now');
  });

  it('offers the context menu, whose items reach the backend', async () => {
    const f = fakes();
    startShell(f.deps);
    f.tray.emit('right-click');
    const menu = f.tray.menu!;
    const item = (label: RegExp) => menu.find((i) => i.label && label.test(i.label))!;
    item(/Snooze all/).click!();
    item(/Sync all/).click!();
    item(/data folder/).click!();
    item(/Launch at login/).click!();
    item(/Quit/).click!();
    await flush();
    expect(
      f.backend.calls.filter((c) => c.command !== 'getSnapshot').map((c) => [c.command, ...c.args]),
    ).toEqual([
      ['snooze', null, 3_600_000],
      ['syncNow', null],
    ]);
    expect(f.log).toEqual(expect.arrayContaining(['open /home/me/Vigil', 'quit']));
    f.tray.emit('right-click');
    expect(f.tray.menu!.find((i) => i.label === 'Launch at login')!.checked).toBe(true);
  });

  it('notifies each alert; a click opens the popover on that worker', () => {
    const f = fakes();
    startShell(f.deps);
    f.backend.alert('Transformer', 'stalled', 'no progress for 42 min');
    expect(f.notifications).toHaveLength(1);
    expect(f.notifications[0]!.title).toBe('Transformer has stalled');
    expect(f.notifications[0]!.shown).toBe(true);
    f.notifications[0]!.emit('click');
    expect(f.window.isVisible()).toBe(true);
    expect(f.webContents.sent).toContainEqual({
      type: 'event',
      event: 'focusWorker',
      payload: { worker: 'Transformer' },
    });
  });

  it('after sleep, sums up what changed in one notification instead of a burst of alerts', async () => {
    const f = fakes();
    let polled = 0;
    startShell({ ...f.deps, pollNow: () => polled++ });
    const before = f.backend.snapshot();
    f.backend.setSnapshot(before);
    f.power.emit('suspend');
    f.power.emit('resume');
    expect(polled).toBe(1); // every host is polled at once on waking
    const after: FleetSnapshot = {
      ...before,
      workers: before.workers.map((w) => (w.name === 'I3D' ? { ...w, status: 'finished', epoch: 50 } : w)),
    };
    f.backend.setSnapshot(after);
    f.backend.alert('I3D', 'finished', 'reached epoch 50');
    expect(f.notifications).toHaveLength(0);
    await f.clock.advance(19_999);
    expect(f.notifications).toHaveLength(0);
    await f.clock.advance(1);
    expect(f.notifications).toHaveLength(1);
    expect(f.notifications[0]!.body).toBe('I3D: running → finished, epoch 50');
  });
});
