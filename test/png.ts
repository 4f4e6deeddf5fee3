// A minimal PNG reader for tests (8-bit RGB/RGBA, not interlaced: what Chromium's screenshots
// are), with node:zlib only: header fields and the pixels, to tell a rendered page from a blank one.
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

/** The IHDR fields; throws unless `bytes` starts with the PNG signature and an IHDR chunk. */
export function pngHeader(bytes: Buffer): PngHeader {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG (bad signature)');
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first');
  return {
    width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bitDepth: bytes[24], colorType: bytes[25], interlace: bytes[28],
  };
}

/** Decoded pixels as RGBA rows (alpha 255 for RGB images). */
export function decodePng(bytes: Buffer): { width: number; height: number; rgba: Uint8Array } {
  const h = pngHeader(bytes);
  const channels = h.colorType === 6 ? 4 : h.colorType === 2 ? 3 : 0;
  if (h.bitDepth !== 8 || channels === 0 || h.interlace !== 0) throw new Error(`unsupported PNG ${JSON.stringify(h)}`);
  const idat: Buffer[] = [];
  for (let p = 8; p + 8 <= bytes.length;) {
    const len = bytes.readUInt32BE(p), type = bytes.toString('latin1', p + 4, p + 8);
    if (type === 'IDAT') idat.push(bytes.subarray(p + 8, p + 8 + len));
    if (type === 'IEND') break;
    p += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = h.width * channels;
  if (raw.length < h.height * (stride + 1)) throw new Error('PNG data truncated');
  const cur = new Uint8Array(stride), prev = new Uint8Array(stride);
  const rgba = new Uint8Array(h.width * h.height * 4);
  for (let y = 0; y < h.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? cur[x - channels] : 0, b = prev[x], c = x >= channels ? prev[x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      cur[x] = (line[x] + pred) & 0xff;
    }
    for (let x = 0; x < h.width; x++) {
      const o = (y * h.width + x) * 4;
      rgba[o] = cur[x * channels];
      rgba[o + 1] = cur[x * channels + 1];
      rgba[o + 2] = cur[x * channels + 2];
      rgba[o + 3] = channels === 4 ? cur[x * channels + 3] : 255;
    }
    prev.set(cur);
  }
  return { width: h.width, height: h.height, rgba };
}
