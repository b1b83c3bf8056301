import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

// jsqr is CommonJS whose exports carry the function as `default` too; the types see only that.
const jsQR = jsQRModule.default;

export interface QrResult {
  /** The decoded text, or '' when the image holds no readable QR code. */
  text: string;
  /** Why decoding was not attempted: `too-large`, `too-small`, `banner`, `undecodable`. */
  skipped?: string;
}

/** Width and height from the image header, read before anything is decoded. */
export function imageSize(buf: Buffer, type: 'png' | 'jpeg'): { width: number; height: number } | null {
  if (type === 'png') {
    if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  // JPEG: walk the markers to the first start-of-frame
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

// A QR code is square, 21 modules or more plus a quiet zone: an image whose shorter side is
// under 60 pixels (logos, banners, spacers) cannot show one legibly, and is not decoded.
const MIN_SIDE = 60;
// A code with its quiet zone is square; in a strip more than 2.5 times longer than wide it
// could fill at most a sliver. Such strips are banners and headers: decoding them (the
// costliest step of an analysis, pure-JS image decoders) finds nothing in practice.
const MAX_ASPECT = 2.5;
// jsQR's cost grows with the pixel count; larger images are sampled down to about this many.
const WORK_PIXELS = 400 * 400;

/**
 * Samples the image down to about WORK_PIXELS, and lays transparent pixels on white (a code
 * drawn on a transparent background would otherwise read as all black).
 */
function downsample(rgba: Uint8Array, width: number, height: number): { data: Uint8ClampedArray; width: number; height: number } {
  const factor = Math.max(1, Math.ceil(Math.sqrt((width * height) / WORK_PIXELS)));
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * factor * width + x * factor) * 4;
      const dst = (y * w + x) * 4;
      const clear = rgba[src + 3]! < 128;
      out[dst] = clear ? 255 : rgba[src]!;
      out[dst + 1] = clear ? 255 : rgba[src + 1]!;
      out[dst + 2] = clear ? 255 : rgba[src + 2]!;
      out[dst + 3] = 255;
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * A quick look for QR finder patterns before the costly full decode: rows crossing a
 * finder's centre read dark, light, dark×3, light, dark (1:1:3:1:1). A code shows such rows
 * through at least three modules of each of its three finders; a logo or a photo rarely
 * shows more than a couple by chance. One pass, global threshold halfway between the
 * darkest and lightest pixel (codes in mail are drawn, not photographed).
 */
export function hasFinderRows(rgba: Uint8ClampedArray, width: number, height: number, needed = 4): boolean {
  const lum = new Uint8Array(width * height);
  let lo = 255;
  let hi = 0;
  for (let i = 0, o = 0; i < lum.length; i++, o += 4) {
    const v = (rgba[o]! * 77 + rgba[o + 1]! * 150 + rgba[o + 2]! * 29) >> 8;
    lum[i] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < 64) return false;
  const threshold = (lo + hi) >> 1;
  const runs = new Int32Array(width + 1);
  let rows = 0;
  for (let y = 0; y < height && rows < needed; y++) {
    // run lengths of the row; runs[0] is dark when the row starts dark
    let n = 0;
    let dark = lum[y * width]! < threshold;
    const startsDark = dark;
    let length = 0;
    for (let x = 0; x < width; x++) {
      const d = lum[y * width + x]! < threshold;
      if (d === dark) length++;
      else {
        runs[n++] = length;
        dark = d;
        length = 1;
      }
    }
    runs[n++] = length;
    for (let k = startsDark ? 0 : 1; k + 4 < n; k += 2) {
      const total = runs[k]! + runs[k + 1]! + runs[k + 2]! + runs[k + 3]! + runs[k + 4]!;
      if (total < 7) continue;
      if (!finderRatio(runs[k]!, runs[k + 1]!, runs[k + 2]!, runs[k + 3]!, runs[k + 4]!)) continue;
      // confirm down the column through the centre of the middle run, as a finder is square
      let x = 0;
      for (let j = 0; j < k + 2; j++) x += runs[j]!;
      x += runs[k + 2]! >> 1;
      if (columnRatio(lum, width, height, x, y, threshold)) {
        rows++;
        break;
      }
    }
  }
  return rows >= needed;
}

function finderRatio(a: number, b: number, c: number, d: number, e: number): boolean {
  const unit = (a + b + c + d + e) / 7;
  if (unit < 1) return false;
  const near = (run: number, modules: number) => Math.abs(run - unit * modules) <= unit * (modules === 3 ? 1.2 : 0.7);
  return near(a, 1) && near(b, 1) && near(c, 3) && near(d, 1) && near(e, 1);
}

function columnRatio(lum: Uint8Array, width: number, height: number, x: number, y: number, threshold: number): boolean {
  const dark = (yy: number) => lum[yy * width + x]! < threshold;
  if (!dark(y)) return false;
  const run = (from: number, step: number, wantDark: boolean): [number, number] => {
    let yy = from;
    let n = 0;
    while (yy >= 0 && yy < height && dark(yy) === wantDark) {
      yy += step;
      n++;
    }
    return [n, yy];
  };
  const [upCentre, u1] = run(y, -1, true);
  const [upLight, u2] = run(u1, -1, false);
  const [upDark] = run(u2, -1, true);
  const [downCentre, d1] = run(y, 1, true);
  const [downLight, d2] = run(d1, 1, false);
  const [downDark] = run(d2, 1, true);
  return finderRatio(upDark, upLight, upCentre + downCentre - 1, downLight, downDark);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * The common PNG case (8 bits per sample, not interlaced) decoded straight to RGBA: native
 * inflate, then one pass to undo the row filters. About four times faster than pngjs, which
 * remains the fallback for every other kind of PNG. Null when this path does not apply.
 */
export function decodePngFast(buf: Buffer, maxPixels: number): { width: number; height: number; data: Uint8Array } | null {
  if (buf.length < 33 || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const depth = buf[24]!;
  const colour = buf[25]!;
  const interlace = buf[28]!;
  const channels = CHANNELS[colour];
  if (depth !== 8 || interlace !== 0 || channels === undefined || width * height > maxPixels || width === 0 || height === 0) return null;
  const idat: Buffer[] = [];
  let palette: Buffer | undefined;
  for (let at = 8; at + 12 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    const kind = buf.toString('latin1', at + 4, at + 8);
    const body = buf.subarray(at + 8, Math.min(buf.length, at + 8 + length));
    if (kind === 'IDAT') idat.push(body);
    else if (kind === 'PLTE') palette = body;
    else if (kind === 'IEND') break;
    at += 12 + length;
  }
  if (colour === 3 && !palette) return null;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (width * channels + 1) * height + 1 });
  } catch {
    return null;
  }
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) return null;
  const rows = new Uint8Array(stride * height);
  const c = channels;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const prev = dst - stride;
    // one loop per filter type: the branch is taken once per row, not once per byte
    if (filter === 0 || (filter === 2 && y === 0)) {
      rows.set(raw.subarray(src, src + stride), dst);
    } else if (filter === 1) {
      for (let x = 0; x < stride; x++) rows[dst + x] = (raw[src + x]! + (x >= c ? rows[dst + x - c]! : 0)) & 0xff;
    } else if (filter === 2) {
      for (let x = 0; x < stride; x++) rows[dst + x] = (raw[src + x]! + rows[prev + x]!) & 0xff;
    } else if (filter === 3) {
      for (let x = 0; x < stride; x++) {
        const left = x >= c ? rows[dst + x - c]! : 0;
        const up = y > 0 ? rows[prev + x]! : 0;
        rows[dst + x] = (raw[src + x]! + ((left + up) >>> 1)) & 0xff;
      }
    } else if (filter === 4) {
      for (let x = 0; x < stride; x++) {
        const left = x >= c ? rows[dst + x - c]! : 0;
        const up = y > 0 ? rows[prev + x]! : 0;
        const upLeft = y > 0 && x >= c ? rows[prev + x - c]! : 0;
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        rows[dst + x] = (raw[src + x]! + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft)) & 0xff;
      }
    } else {
      return null;
    }
  }
  const pixels = width * height;
  const data = new Uint8Array(pixels * 4);
  if (colour === 6) {
    data.set(rows);
  } else if (colour === 2) {
    for (let i = 0, s = 0, o = 0; i < pixels; i++, s += 3, o += 4) {
      data[o] = rows[s]!;
      data[o + 1] = rows[s + 1]!;
      data[o + 2] = rows[s + 2]!;
      data[o + 3] = 255;
    }
  } else if (colour === 3) {
    const pal = palette!;
    for (let i = 0, o = 0; i < pixels; i++, o += 4) {
      const p = rows[i]! * 3;
      data[o] = pal[p] ?? 0;
      data[o + 1] = pal[p + 1] ?? 0;
      data[o + 2] = pal[p + 2] ?? 0;
      data[o + 3] = 255;
    }
  } else {
    for (let i = 0, s = 0, o = 0; i < pixels; i++, s += c, o += 4) {
      data[o] = data[o + 1] = data[o + 2] = rows[s]!;
      data[o + 3] = colour === 4 ? rows[s + 1]! : 255;
    }
  }
  return { width, height, data };
}

/** Decodes a QR code from a PNG or JPEG, refusing images above `maxPixels` before decoding them. */
export function decodeQr(buf: Buffer, type: 'png' | 'jpeg', maxPixels: number): QrResult {
  const size = imageSize(buf, type);
  if (!size) return { text: '', skipped: 'undecodable' };
  if (size.width * size.height > maxPixels) return { text: '', skipped: 'too-large' };
  if (size.width < MIN_SIDE || size.height < MIN_SIDE) return { text: '', skipped: 'too-small' };
  if (Math.max(size.width, size.height) > MAX_ASPECT * Math.min(size.width, size.height)) return { text: '', skipped: 'banner' };
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (type === 'png') {
      const fast = decodePngFast(buf, maxPixels);
      const png = fast ?? PNG.sync.read(buf);
      ({ width, height } = png);
      rgba = png.data;
    } else {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: 256 });
      ({ width, height } = img);
      rgba = img.data;
    }
  } catch {
    return { text: '', skipped: 'undecodable' };
  }
  if (width * height > maxPixels) return { text: '', skipped: 'too-large' };
  const work = downsample(rgba, width, height);
  if (!hasFinderRows(work.data, work.width, work.height)) return { text: '' };
  const code = jsQR(work.data, work.width, work.height, { inversionAttempts: 'dontInvert' });
  return { text: code?.data ?? '' };
}

const CACHE_SIZE = 2000;
const cache = new Map<string, QrResult>();

/**
 * decodeQr, remembered by the image's SHA-256: a campaign repeats its images across many
 * messages, and decoding is the most expensive step of an analysis. Bounded; oldest first out.
 */
export function decodeQrCached(buf: Buffer, type: 'png' | 'jpeg', maxPixels: number, sha256?: string): QrResult {
  const key = `${maxPixels}:${sha256 ?? createHash('sha256').update(buf).digest('hex')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const result = decodeQr(buf, type, maxPixels);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, result);
  return result;
}

export function clearQrCache(): void {
  cache.clear();
}
