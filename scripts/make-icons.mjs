#!/usr/bin/env node
// Draws the app's install icons (public/icons/*.png) from the same two shapes
// as public/favicon.svg — a green rounded square and a yellow lightning bolt —
// with nothing but node:zlib, so no image tool or downloaded artwork is needed
// and anyone can regenerate them: `npm run icons`.
//   icon-192.png, icon-512.png      purpose "any": rounded corners, transparent outside
//   maskable-512.png                purpose "maskable": full bleed, the bolt inside the
//                                   central safe circle (radius 40 %) that every mask keeps
//   apple-touch-icon-180.png        iOS home screen: opaque, iOS rounds the corners itself
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const GREEN = [0x0f, 0x51, 0x32]; // --good in src/ui/styles.css and the manifest's theme_color
const YELLOW = [0xff, 0xd4, 0x3b]; // the focus ring colour, as in favicon.svg
/** The bolt of favicon.svg, in its 64 × 64 box. */
const BOLT = [
  [36, 6],
  [14, 36],
  [28, 36],
  [24, 58],
  [50, 26],
  [36, 26],
];
const SAMPLES = 8; // 8 × 8 samples per pixel: smooth edges without a rasteriser library

function insidePolygon(x, y, points) {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function insideRoundedSquare(x, y, radius) {
  const cx = Math.min(Math.max(x, radius), 64 - radius);
  const cy = Math.min(Math.max(y, radius), 64 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** RGBA pixels of one icon: `radius` 0 = full bleed; `boltScale` shrinks the bolt about the centre. */
function draw(size, { radius, boltScale }) {
  const bolt = BOLT.map(([x, y]) => [32 + (x - 32) * boltScale, 32 + (y - 32) * boltScale]);
  const rgba = Buffer.alloc(size * size * 4);
  const unit = 64 / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) * unit;
          const y = (py + (sy + 0.5) / SAMPLES) * unit;
          if (radius === 0 || insideRoundedSquare(x, y, radius)) {
            if (insidePolygon(x, y, bolt)) fg++;
            else bg++;
          }
        }
      }
      const n = SAMPLES * SAMPLES;
      const alpha = (bg + fg) / n;
      const o = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) {
        rgba[o + c] = alpha ? Math.round((GREEN[c] * bg + YELLOW[c] * fg) / (bg + fg)) : 0;
      }
      rgba[o + 3] = Math.round(alpha * 255);
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
/** A PNG file: 8-bit RGBA, no filtering (deflate does the work), no metadata. */
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const ICONS = {
  'icon-192.png': { size: 192, radius: 12, boltScale: 1 },
  'icon-512.png': { size: 512, radius: 12, boltScale: 1 },
  // Farthest bolt point from the centre: 27.2 units × 0.8 = 21.8 < the safe radius 25.6.
  'maskable-512.png': { size: 512, radius: 0, boltScale: 0.8 },
  'apple-touch-icon-180.png': { size: 180, radius: 0, boltScale: 0.9 },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL('../public/icons/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const [name, { size, ...shape }] of Object.entries(ICONS)) {
    const png = encodePng(size, draw(size, shape));
    writeFileSync(new URL(name, dir), png);
    console.log(`public/icons/${name}  ${size}×${size}  ${png.length} bytes`);
  }
}
