// The popover window under the tray icon: created hardened, placed under the icon, shown and hidden by
// clicks on the icon, hidden when it loses focus.

import type { Clock } from '../../shared/clock';
import { positionPopover } from './popover-position';
import type { PopoverWindowLike, ShellDeps, TrayLike } from './shell-deps';
import { hardenWebContents, popoverWindowOptions } from './window-security';

/** A tray click this soon after the popover hid on blur is the click that blurred it. */
const BLUR_CLICK_MS = 300;

export interface Popover {
  window: PopoverWindowLike;
  show(): void;
  /** What a click on the tray icon does. */
  toggle(): void;
}

export function createPopover(
  deps: Pick<ShellDeps, 'createWindow' | 'preloadPath' | 'workAreaNear'>,
  tray: TrayLike,
  clock: Clock,
): Popover {
  const window = deps.createWindow(popoverWindowOptions(deps.preloadPath));
  hardenWebContents(window.webContents);
  // Clicking the tray icon while the popover is open blurs it first; remember when, so that same
  // click closes the popover instead of reopening it.
  let hiddenByBlurAt = Number.NEGATIVE_INFINITY;
  window.on('blur', () => {
    if (!window.isVisible()) return;
    window.hide();
    hiddenByBlurAt = clock.now();
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
  };
}
