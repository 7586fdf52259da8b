// A 112x112 descriptor model of human-models (mobileface.json, mobilefacenet.json) on each face,
// cut by the similarity transform that puts the mesh's eye centres, nose tip and mouth corners on
// ArcFace's five-point template (bilinear). Writes JSON keyed "identity/file": { embedding }.
//   node embeddings.js SET_DIR BORDER MESH.json OUT.json --model mobileface.json [--input 255|01|m11] [--bgr]
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { bordered, serveFileUrls, MODELS } = require('./images');

const ARCFACE_112 = [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]];

/** Least-squares similarity x' = a x - b y + tx, y' = b x + a y + ty mapping from onto to. */
function similarity(from, to) {
  const n = from.length;
  const mean = (pts, k) => pts.reduce((s, p) => s + p[k], 0) / n;
  const [fx, fy, tx, ty] = [mean(from, 0), mean(from, 1), mean(to, 0), mean(to, 1)];
  let s = 0; let dot = 0; let cross = 0;
  for (let i = 0; i < n; i++) {
    const ax = from[i][0] - fx; const ay = from[i][1] - fy; const bx = to[i][0] - tx; const by = to[i][1] - ty;
    s += ax * ax + ay * ay; dot += ax * bx + ay * by; cross += ax * by - ay * bx;
  }
  const a = dot / s; const b = cross / s;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

async function main() {
  const [dir, border, meshFile, out] = [process.argv[2], parseFloat(process.argv[3]), process.argv[4], process.argv[5]];
  if (!dir || !(border >= 0) || !meshFile || !out) throw new Error('usage: node embeddings.js SET_DIR BORDER MESH.json OUT.json --model M');
  const input = option('--input', '255');
  serveFileUrls();
  await tf.setBackend('wasm');
  await tf.ready();
  const model = await tf.loadGraphModel('file://' + path.join(MODELS, option('--model', 'mobileface.json')));
  const meshes = JSON.parse(fs.readFileSync(meshFile));
  const result = {};
  for (const key of Object.keys(meshes)) {
    const m = meshes[key];
    if (!m) { result[key] = null; continue; }
    const img = bordered(path.join(dir, key), border);
    const p = m.dlib68;
    const centre = (a, b) => [0, 1].map((k) => p.slice(a, b + 1).reduce((s, q) => s + q[k], 0) / (b - a + 1));
    const five = [centre(36, 41), centre(42, 47), p[30], p[48], p[54]];
    const t = similarity(ARCFACE_112, five); // chip -> image, as tf.image.transform wants it
    const embedding = tf.tidy(() => {
      const image = tf.tensor4d(img.rgb, [1, img.h, img.w, 3]);
      const chip = tf.image.transform(image, tf.tensor2d([[t.a, -t.b, t.tx, t.b, t.a, t.ty, 0, 0]]), 'bilinear', 'constant', 0, [112, 112]);
      const scaled = input === '01' ? chip.div(255) : input === 'm11' ? chip.sub(127.5).div(128) : chip;
      return model.execute(process.argv.includes('--bgr') ? scaled.reverse(3) : scaled);
    });
    result[key] = { embedding: Array.from(await embedding.data()) };
    embedding.dispose();
  }
  fs.writeFileSync(out, JSON.stringify(result));
  console.log(`${Object.values(result).filter((r) => r).length} embeddings -> ${out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
