// The tray icons in assets/ as a panel shows them: each state's Linux/Windows icon stands out on a
// dark and on a light panel, the macOS ones stay template images, and the files are what the generator
// draws (so a change to the script is a change to the files).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { STATE_COLORS, writeIcons } from '../../../assets/generate-icons.mjs';
import { type TrayIconName, trayIconFile } from './tray-state';

const ASSETS = path.resolve(__dirname, '../../../assets');
const STATES: TrayIconName[] = ['ok', 'late', 'alarm', 'empty'];

/** Decodes the RGBA PNGs the generator writes (8-bit RGBA, filter 0 on every row). */
function decode(file: string): { width: number; height: number; rgba: Buffer } {
  const buf = readFileSync(file);
  let o = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (o < buf.length) {
    const len = buf.readUInt32BE(o);
    const type = buf.toString('ascii', o + 4, o + 8);
    const data = buf.subarray(o + 8, o + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    } else if (type === 'IDAT') idat.push(data);
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

/** WCAG relative luminance and contrast ratio. */
const lum = ([r, g, b]: number[]) => {
  const c = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * c(r!) + 0.7152 * c(g!) + 0.0722 * c(b!);
};
const contrast = (a: number[], b: number[]) => {
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
};

describe('tray icons', () => {
  it('are template images on macOS and coloured ones on Linux and Windows', () => {
    expect(trayIconFile('alarm', 'darwin')).toBe('tray-alarmTemplate.png');
    expect(trayIconFile('alarm', 'linux')).toBe('tray-alarm-color.png');
    expect(trayIconFile('ok', 'win32')).toBe('tray-ok-color.png');
  });

  it.each(STATES)('%s: the colour stands out 3:1 or more on black and on white panels', (state) => {
    const color = STATE_COLORS[state];
    expect(contrast(color, [0, 0, 0])).toBeGreaterThanOrEqual(3);
    expect(contrast(color, [255, 255, 255])).toBeGreaterThanOrEqual(3);
    for (const file of [`tray-${state}-color.png`, `tray-${state}-color@2x.png`]) {
      const { width, rgba } = decode(path.join(ASSETS, file));
      expect([22, 44]).toContain(width);
      // The fully drawn pixels are the state's colour; there are enough of them to see.
      let solid = 0;
      for (let i = 0; i < rgba.length; i += 4) {
        if (rgba[i + 3] === 255 && contrast([rgba[i]!, rgba[i + 1]!, rgba[i + 2]!], color) < 1.05) solid++;
      }
      expect(solid / (width * width)).toBeGreaterThan(0.04);
    }
  });

  it('the macOS template images are black with alpha only', () => {
    for (const state of STATES) {
      const { rgba } = decode(path.join(ASSETS, `tray-${state}Template.png`));
      for (let i = 0; i < rgba.length; i += 4) expect(rgba[i]! + rgba[i + 1]! + rgba[i + 2]!).toBe(0);
    }
  });

  it('are exactly what assets/generate-icons.mjs draws', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-icons-'));
    try {
      for (const file of writeIcons(dir)) {
        const name = path.basename(file);
        expect(readFileSync(file).equals(readFileSync(path.join(ASSETS, name))), name).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
