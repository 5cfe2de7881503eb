#!/usr/bin/env node
// Draws Vigil's tray icons (one per health state, @1x and @2x) and the app icon from one description,
// as PNGs encoded by hand (zlib only), so the repo needs no image tools and no downloads.
// Run: node assets/generate-icons.mjs   (writes next to this file)
//
// The shapes carry the state without colour: a ring with a pupil (watching, all well), a clock hand
// (late), a solid disc with a cut-out "!" (alarm), a dashed ring (nothing configured).
// - macOS: template images (tray-<state>Template.png), black with alpha: macOS tints them for light and
//   dark menubars.
// - Linux and Windows draw a tray image as it is, on panels that may be dark or light: a black template
//   would vanish on a dark panel. So tray-<state>-color.png: a mid-tone colour per state (contrast of
//   3:1 or more against both black and white, checked in src/main/shell/tray-icons.test.ts) with a thin
//   light halo that shows the outline on dark panels, 22 px (panel size) and 44 px.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

// ---- PNG encoding -------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- shapes, in a 16×16 design grid (centre 8,8) -----------------------------------------------
const ring = (x, y, r, w) => Math.abs(Math.hypot(x - 8, y - 8) - r) <= w / 2;
const disc = (x, y, r, cx = 8, cy = 8) => Math.hypot(x - cx, y - cy) <= r;
const segment = (x, y, ax, ay, bx, by, w) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= w / 2;
};

const SHAPES = {
  ok: (x, y) => ring(x, y, 6, 1.6) || disc(x, y, 2.4),
  late: (x, y) =>
    ring(x, y, 6, 1.6) || segment(x, y, 8, 8, 8, 4.2, 1.6) || segment(x, y, 8, 8, 10.8, 9.6, 1.6),
  alarm: (x, y) => disc(x, y, 7) && !(segment(x, y, 8, 3.8, 8, 9, 1.9) || disc(x, y, 1.1, 8, 11.8)),
  empty: (x, y) => {
    if (!ring(x, y, 6, 1.4)) return false;
    const angle = Math.atan2(y - 8, x - 8) + Math.PI; // 0..2π
    return Math.floor((angle / (2 * Math.PI)) * 12) % 2 === 0;
  },
};

/** Renders a shape at `size` px with 4×4 supersampling; `paint(x, y)` gives [r,g,b] per pixel. */
function render(size, inside, paint = () => [0, 0, 0], background = null) {
  const rgba = Buffer.alloc(size * size * 4);
  const scale = 16 / size;
  const ss = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < ss; sy++)
        for (let sx = 0; sx < ss; sx++)
          if (inside((px + (sx + 0.5) / ss) * scale, (py + (sy + 0.5) / ss) * scale)) hits++;
      const coverage = hits / (ss * ss);
      const i = (py * size + px) * 4;
      const [r, g, b] = paint(px * scale, py * scale);
      if (background) {
        const bg = background(px * scale, py * scale);
        // Shape over background, background's own alpha kept.
        rgba[i] = Math.round(bg[0] * (1 - coverage) + r * coverage);
        rgba[i + 1] = Math.round(bg[1] * (1 - coverage) + g * coverage);
        rgba[i + 2] = Math.round(bg[2] * (1 - coverage) + b * coverage);
        rgba[i + 3] = bg[3];
      } else {
        rgba[i] = r;
        rgba[i + 1] = g;
        rgba[i + 2] = b;
        rgba[i + 3] = Math.round(coverage * 255);
      }
    }
  }
  return rgba;
}

/** Mid-tone colours that stand out on black and on white panels alike. */
export const STATE_COLORS = {
  ok: [31, 136, 61],
  late: [188, 76, 0],
  alarm: [207, 34, 46],
  empty: [101, 109, 118],
};

/** The shape in its colour, with a light halo one design-pixel wide around it. */
function renderColor(size, shape, color) {
  const fill = render(size, shape, () => color);
  const near = (x, y) => {
    for (let a = 0; a < 8; a++) {
      const t = (a / 8) * 2 * Math.PI;
      if (shape(x + 0.9 * Math.cos(t), y + 0.9 * Math.sin(t))) return true;
    }
    return false;
  };
  const halo = render(
    size,
    (x, y) => near(x, y) && !shape(x, y),
    () => [255, 255, 255],
  );
  const out = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size * 4; i += 4) {
    const fa = fill[i + 3] / 255;
    const ha = (halo[i + 3] / 255) * 0.75 * (1 - fa);
    const a = fa + ha;
    for (let c = 0; c < 3; c++) out[i + c] = a === 0 ? 0 : Math.round((fill[i + c] * fa + 255 * ha) / a);
    out[i + 3] = Math.round(a * 255);
  }
  return out;
}

export function writeIcons(outDir = here) {
  const written = [];
  for (const [name, shape] of Object.entries(SHAPES)) {
    for (const [suffix, size] of [
      ['', 22],
      ['@2x', 44],
    ]) {
      const file = join(outDir, `tray-${name}-color${suffix}.png`);
      writeFileSync(file, encodePng(size, size, renderColor(size, shape, STATE_COLORS[name])));
      written.push(file);
    }
  }
  for (const [name, shape] of Object.entries(SHAPES)) {
    for (const [suffix, size] of [
      ['', 16],
      ['@2x', 32],
    ]) {
      const file = join(outDir, `tray-${name}Template${suffix}.png`);
      writeFileSync(file, encodePng(size, size, render(size, shape)));
      written.push(file);
    }
  }
  // App icon: the "all well" eye in white on a rounded deep-blue square (1024 px, what
  // electron-builder turns into .icns / .ico).
  const size = 1024;
  const roundedSquare = (x, y) => {
    const r = 3.2;
    const qx = Math.max(Math.abs(x - 8) - (8 - 0.8 - r), 0);
    const qy = Math.max(Math.abs(y - 8) - (8 - 0.8 - r), 0);
    return Math.hypot(qx, qy) <= r;
  };
  const bgAlpha = render(size, roundedSquare);
  const eye = (x, y) => SHAPES.ok(8 + (x - 8) * 1.55, 8 + (y - 8) * 1.55);
  const icon = render(
    size,
    eye,
    () => [255, 255, 255],
    (x, y) => {
      const px = Math.min(size - 1, Math.floor((x / 16) * size));
      const py = Math.min(size - 1, Math.floor((y / 16) * size));
      const a = bgAlpha[(py * size + px) * 4 + 3];
      const t = y / 16; // a gentle vertical gradient
      return [Math.round(24 + 20 * t), Math.round(64 + 30 * t), Math.round(160 - 40 * t), a];
    },
  );
  const file = join(outDir, 'icon.png');
  writeFileSync(file, encodePng(size, size, icon));
  written.push(file);
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of writeIcons()) console.log(`wrote ${f}`);
}
