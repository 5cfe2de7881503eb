// Where the popover goes: centred under the tray icon (above it when the taskbar is at the bottom,
// as on Windows), always kept inside the work area of the icon's display.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

export function positionPopover(tray: Rect, size: Size, workArea: Rect, gap = 4): { x: number; y: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));
  const right = workArea.x + workArea.width - size.width;
  const bottom = workArea.y + workArea.height - size.height;
  // Some Linux trays report no bounds at all: use the top-right corner, where most panels keep it.
  if (tray.width === 0 && tray.height === 0)
    return { x: Math.round(right - gap), y: Math.round(workArea.y + gap) };
  const centreX = tray.x + tray.width / 2 - size.width / 2;
  const trayCentreY = tray.y + tray.height / 2;
  const below = trayCentreY < workArea.y + workArea.height / 2;
  const y = below ? tray.y + tray.height + gap : tray.y - size.height - gap;
  return { x: Math.round(clamp(centreX, workArea.x, right)), y: Math.round(clamp(y, workArea.y, bottom)) };
}
