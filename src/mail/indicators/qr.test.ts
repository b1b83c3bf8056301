import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG, type ColorType } from 'pngjs';
import { qrJpeg, qrModules, qrPng } from '../testing/qr-encode.ts';
import { decodePngFast, decodeQr, decodeQrCached, hasFinderRows, imageSize } from './qr.ts';

const URL_TEXT = 'https://quish.example/m?id=12345';

/** The same QR code written as a PNG of the given colour type and bit depth. */
function pngOf(colorType: ColorType, bitDepth: 8 | 16, transparentBackground = false): Buffer {
  const modules = qrModules(URL_TEXT);
  const scale = 5;
  const side = (modules.length + 8) * scale;
  const png = new PNG({ width: side, height: side, colorType, inputColorType: 6, bitDepth, inputHasAlpha: true });
  // pngjs takes 16-bit input as 16-bit samples
  const full = bitDepth === 16 ? 0xffff : 0xff;
  const data = bitDepth === 16 ? new Uint16Array(side * side * 4) : png.data;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const my = Math.floor(y / scale) - 4;
      const mx = Math.floor(x / scale) - 4;
      const dark = modules[my]?.[mx] === true;
      const at = (y * side + x) * 4;
      data[at] = data[at + 1] = data[at + 2] = dark ? 0 : transparentBackground ? 0 : full;
      data[at + 3] = dark || !transparentBackground ? full : 0;
    }
  }
  (png as { data: unknown }).data = data;
  return PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true });
}

test('QR codes decode from PNG in every colour type, 8 and 16 bits, and from JPEG', () => {
  for (const colorType of [0, 2, 4, 6] as ColorType[]) {
    for (const depth of [8, 16] as const) {
      assert.equal(decodeQr(pngOf(colorType, depth), 'png', 1_000_000).text, URL_TEXT, `colour type ${colorType}, ${depth} bit`);
    }
  }
  assert.equal(decodeQr(qrJpeg(URL_TEXT), 'jpeg', 1_000_000).text, URL_TEXT);
});

test('a code drawn on a transparent background is read on white', () => {
  assert.equal(decodeQr(pngOf(6, 8, true), 'png', 1_000_000).text, URL_TEXT);
});

test('the fast PNG path matches pngjs pixel for pixel, and declines what it does not handle', () => {
  for (const colorType of [0, 2, 4, 6] as ColorType[]) {
    const buf = pngOf(colorType, 8);
    const fast = decodePngFast(buf, 1_000_000);
    assert.ok(fast, `fast path for colour type ${colorType}`);
    assert.deepEqual(Buffer.from(fast.data), PNG.sync.read(buf).data);
  }
  assert.equal(decodePngFast(pngOf(2, 16), 1_000_000), null, '16-bit goes to pngjs');
  assert.equal(decodePngFast(Buffer.from('not a png at all, no header here..'), 1_000_000), null);
});

test('sizes are read from headers before decoding; bounds, banners and junk are refused', () => {
  const png = qrPng(URL_TEXT);
  const side = (qrModules(URL_TEXT).length + 8) * 6;
  assert.deepEqual(imageSize(png, 'png'), { width: side, height: side });
  assert.deepEqual(imageSize(qrJpeg(URL_TEXT), 'jpeg'), { width: side, height: side });
  assert.equal(decodeQr(png, 'png', 10_000).skipped, 'too-large');
  const banner = new PNG({ width: 600, height: 100 });
  assert.equal(decodeQr(PNG.sync.write(banner), 'png', 1_000_000).skipped, 'banner');
  const tiny = new PNG({ width: 30, height: 30 });
  assert.equal(decodeQr(PNG.sync.write(tiny), 'png', 1_000_000).skipped, 'too-small');
  assert.equal(decodeQr(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'png', 1_000_000).skipped, 'undecodable');
  const corrupt = Buffer.from(png);
  corrupt.fill(0x41, 60);
  assert.equal(decodeQr(corrupt, 'png', 1_000_000).text, '');
});

test('decoded results are remembered by image hash', () => {
  const png = qrPng('https://cached.example/');
  assert.equal(decodeQrCached(png, 'png', 1_000_000).text, 'https://cached.example/');
  assert.equal(decodeQrCached(png, 'png', 1_000_000, undefined).text, 'https://cached.example/');
});

// The precheck only saves time: an image it lets through is decoded in full, so it may pass
// odd images (random binary noise can mimic a finder by chance) but must never drop a code.
test('the finder-pattern precheck passes codes at any scale and position, rejects stripes, gradients and blank images', () => {
  for (const scale of [2, 3, 5]) {
    const small = PNG.sync.read(qrPng(URL_TEXT, scale));
    const canvas = new PNG({ width: 500, height: 400 });
    canvas.data.fill(255);
    PNG.bitblt(small, canvas, 0, 0, small.width, small.height, 230, 150);
    assert.ok(hasFinderRows(new Uint8ClampedArray(canvas.data), canvas.width, canvas.height), `scale ${scale}`);
    assert.equal(decodeQr(PNG.sync.write(canvas), 'png', 1_000_000).text, URL_TEXT);
  }
  const code = PNG.sync.read(qrPng(URL_TEXT, 3));
  assert.ok(hasFinderRows(new Uint8ClampedArray(code.data), code.width, code.height));
  const w = 200;
  const h = 200;
  const stripes = new Uint8ClampedArray(w * h * 4).fill(255);
  const gradient = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = (y * w + x) * 4;
      const band = Math.floor(x / 6) % 2 === 0 ? 0 : 255;
      stripes[at] = stripes[at + 1] = stripes[at + 2] = band;
      gradient[at] = gradient[at + 1] = gradient[at + 2] = Math.floor((x + y) * 255 / (w + h));
    }
  }
  assert.equal(hasFinderRows(stripes, w, h), false);
  assert.equal(hasFinderRows(gradient, w, h), false);
  assert.equal(hasFinderRows(new Uint8ClampedArray(w * h * 4).fill(255), w, h), false);
});
