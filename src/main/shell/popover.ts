// The popover window under the tray icon: created hardened, placed under the icon, shown and hidden by
// clicks on the icon, hidden when it loses focus. On macOS it follows the user to every Space and over
// full-screen apps, like a menu. Closing it hides it (the app lives on in the tray). A crashed renderer
// is reloaded and logged — at most a few times a minute, so a renderer that crashes on load does not
// spin.

import type { Clock } from '../../shared/clock';
import type { Log } from './log-file';
import { positionPopover } from './popover-position';
import type { PopoverWindowLike, ShellDeps, TrayLike } from './shell-deps';
import { hardenWebContents, popoverWindowOptions } from './window-security';

/** A tray click this soon after the popover hid on blur is the click that blurred it. */
const BLUR_CLICK_MS = 300;
/** Renderer reloads allowed per minute after crashes. */
export const MAX_RELOADS_PER_MINUTE = 3;

export interface Popover {
  window: PopoverWindowLike;
  show(): void;
  /** What a click on the tray icon does. */
  toggle(): void;
  /** No tray to come back through: the window stays up when it loses focus and is in the taskbar. */
  pin(): void;
}

export function createPopover(
  deps: Pick<ShellDeps, 'createWindow' | 'preloadPath' | 'workAreaNear' | 'platform' | 'rendererUrl'>,
  tray: TrayLike,
  clock: Clock,
  opts: { log: Log; quitting: () => boolean },
): Popover {
  const window = deps.createWindow(popoverWindowOptions(deps.preloadPath));
  hardenWebContents(window.webContents);
  if (deps.platform === 'darwin') {
    // A menubar popover must open over whatever the user is looking at, full-screen apps included.
    window.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true, skipTransformProcessType: true });
    window.setAlwaysOnTop(true, 'pop-up-menu');
  }
  let pinned = false;
  // Clicking the tray icon while the popover is open blurs it first; remember when, so that same
  // click closes the popover instead of reopening it.
  let hiddenByBlurAt = Number.NEGATIVE_INFINITY;
  window.on('blur', () => {
    if (pinned || !window.isVisible()) return;
    window.hide();
    hiddenByBlurAt = clock.now();
  });
  window.on('close', (event) => {
    if (opts.quitting()) return;
    event.preventDefault();
    window.hide();
  });

  const reloads: number[] = [];
  window.webContents.on('render-process-gone', (_event, details) => {
    const now = clock.now();
    while (reloads.length > 0 && now - reloads[0]! > 60_000) reloads.shift();
    if (reloads.length >= MAX_RELOADS_PER_MINUTE) {
      opts.log.error(
        `window: the renderer is gone (${details.reason}, exit code ${details.exitCode}) again; not reloading it (${MAX_RELOADS_PER_MINUTE} crashes in a minute)`,
      );
      return;
    }
    reloads.push(now);
    opts.log.warn(
      `window: the renderer is gone (${details.reason}, exit code ${details.exitCode}); reloading it`,
    );
    void window
      .loadURL(deps.rendererUrl)
      .catch((e: Error) => opts.log.error(`window: reload failed: ${e.message}`));
  });

  function show(): void {
    const bounds = tray.getBounds();
    const [width = 420, height = 600] = window.getSize();
    const workArea = deps.workAreaNear({ x: bounds.x + bounds.width / 2, y: bounds.y + bounds.height / 2 });
    const { x, y } = positionPopover(bounds, { width, height }, workArea);
    window.setPosition(x, y);
    window.show();
    window.focus();
  }

  return {
    window,
    show,
    toggle() {
      if (window.isVisible()) window.hide();
      else if (clock.now() - hiddenByBlurAt > BLUR_CLICK_MS) show();
    },
    pin() {
      pinned = true;
      window.setSkipTaskbar(false);
    },
  };
}
