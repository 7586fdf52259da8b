// A frontal view of each face for the descriptor net: every triangle of the face mesh warped
// (piecewise affine, bilinear) from the image to its frontal position; a triangle the head turns
// away (its area in the image small against its frontal area) is filled from its mirror triangle
// (soft symmetry, as in Hassner et al. 2015). Two frontal geometries:
//   --layout uv  human's UV layout of the mesh, on a 300x300 grey canvas;
//   --layout 3d  the face's own mesh turned about its centre until the line through each vertex and
//                its mirror vertex (left-right) lies along the image's x axis (yaw and roll undone,
//                pitch kept), on the image itself (outside the face stays as it was).
// Writes DIR/identity/file.png and DIR/landmarks.json with dlib's 68 points at their frontal positions.
//   node frontalize.js SET_DIR BORDER MESH.json OUT_DIR [--layout uv|3d] [--no-symmetry]
//   (MESH.json from mesh-landmarks.js --full-mesh)
const fs = require('fs');
const path = require('path');
const { PNG } = require('pngjs');
const { bordered } = require('./images');

const S = 300;
const GREY = 128;

function layout() {
  // UV468 and TRI468 from human's source (src/face/facemeshcoords.ts)
  const ts = fs.readFileSync(path.resolve(__dirname, 'node_modules/@vladmandic/human/src/face/facemeshcoords.ts'), 'utf8');
  // TypeScript array literals: drop trailing commas and comments before reading them as JSON
  const array = (name) => JSON.parse(ts.match(new RegExp(`export const ${name}[^=]*=\\s*(\\[[\\s\\S]*?\\]);`))[1]
    .replace(/\/\/.*$/gm, '').replace(/,(\s*\])/g, '$1'));
  return { uv: array('UV468'), tri: array('TRI468') };
}

const area = (a, b, c) => ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2;

function sample(img, x, y) {
  x = Math.min(Math.max(x, 0), img.w - 1.001);
  y = Math.min(Math.max(y, 0), img.h - 1.001);
  const x0 = Math.floor(x); const y0 = Math.floor(y); const fx = x - x0; const fy = y - y0;
  const at = (yy, xx, c) => img.rgb[(yy * img.w + xx) * 3 + c];
  return [0, 1, 2].map((c) => (at(y0, x0, c) * (1 - fx) + at(y0, x0 + 1, c) * fx) * (1 - fy)
    + (at(y0 + 1, x0, c) * (1 - fx) + at(y0 + 1, x0 + 1, c) * fx) * fy);
}

/** The mesh turned so that its left-right axis (mean unit vector from each vertex to its mirror) is the x axis. */
function frontal(mesh, pairs) {
  const axis = [0, 0, 0];
  for (const [i, j] of pairs) {
    const d = [0, 1, 2].map((k) => mesh[j][k] - mesh[i][k]);
    const n = Math.hypot(...d);
    if (n > 0) for (let k = 0; k < 3; k++) axis[k] += d[k] / n;
  }
  const n = Math.hypot(...axis);
  const x = axis.map((a) => a / n);
  if (x[0] < 0) for (let k = 0; k < 3; k++) x[k] = -x[k];
  // the rotation taking x onto (1, 0, 0) about the axis x cross (1, 0, 0) (Rodrigues)
  const c = x[0];
  const v = [0, x[2], -x[1]];
  const s = Math.hypot(...v);
  const centre = [0, 1, 2].map((k) => mesh.reduce((sum, p) => sum + p[k], 0) / mesh.length);
  return mesh.map((p) => {
    const q = [0, 1, 2].map((k) => p[k] - centre[k]);
    if (s < 1e-9) return [p[0], p[1]];
    const u = v.map((a) => a / s);
    const dot = u[0] * q[0] + u[1] * q[1] + u[2] * q[2];
    const cross = [u[1] * q[2] - u[2] * q[1], u[2] * q[0] - u[0] * q[2], u[0] * q[1] - u[1] * q[0]];
    const r = [0, 1, 2].map((k) => q[k] * c + cross[k] * s + u[k] * dot * (1 - c));
    return [r[0] + centre[0], r[1] + centre[1]];
  });
}

function main() {
  const [dir, border, meshFile, outDir] = [process.argv[2], parseFloat(process.argv[3]), process.argv[4], process.argv[5]];
  if (!dir || !(border >= 0) || !meshFile || !outDir) throw new Error('usage: node frontalize.js SET_DIR BORDER MESH.json OUT_DIR');
  const symmetry = !process.argv.includes('--no-symmetry');
  const { uv, tri } = layout();
  const { MESH_TO_DLIB68 } = require('./mesh-dlib68');
  // the mirror of a vertex: the one whose layout position is closest to (1 - u, v)
  const mirror = uv.map(([u, v]) => {
    let best = 0; let bestD = Infinity;
    uv.forEach(([a, b], j) => { const d = (a - (1 - u)) ** 2 + (b - v) ** 2; if (d < bestD) { bestD = d; best = j; } });
    return best;
  });
  const use3d = process.argv.includes('--layout') && process.argv[process.argv.indexOf('--layout') + 1] === '3d';
  const pairs = mirror.map((j, i) => [i, j]).filter(([i, j]) => uv[i][0] < 0.48 && j !== i);
  const meshes = JSON.parse(fs.readFileSync(meshFile));
  const out = {};
  for (const key of Object.keys(meshes)) {
    const m = meshes[key];
    if (!m || !m.mesh) { out[key] = null; continue; }
    const img = bordered(path.join(dir, key), border);
    const P = m.mesh.map((p) => [p[0], p[1]]);
    const D = use3d ? frontal(m.mesh, pairs) : uv.map(([u, v]) => [u * S, v * S]);
    const W = use3d ? img.w : S;
    const H = use3d ? img.h : S;
    let imageArea = 0; let layoutArea = 0;
    for (let t = 0; t < tri.length; t += 3) {
      imageArea += Math.abs(area(P[tri[t]], P[tri[t + 1]], P[tri[t + 2]]));
      layoutArea += Math.abs(area(D[tri[t]], D[tri[t + 1]], D[tri[t + 2]]));
    }
    const scale = imageArea / layoutArea;
    const visibility = (v) => {
      const dest = Math.abs(area(D[v[0]], D[v[1]], D[v[2]]));
      const facing = area(P[v[0]], P[v[1]], P[v[2]]) * Math.sign(area(D[v[0]], D[v[1]], D[v[2]]));
      return Math.max(0, Math.min(1, facing / (dest * scale + 1e-9)));
    };
    const acc = new Float32Array(W * H * 3); const weights = new Float32Array(W * H);
    const paint = (v, source, w) => {
      if (w <= 0) return;
      const [d0, d1, d2] = v.map((i) => D[i]);
      const s = source.map((i) => P[i]);
      const A = area(d0, d1, d2);
      if (Math.abs(A) < 1e-9) return;
      const x0 = Math.max(0, Math.floor(Math.min(d0[0], d1[0], d2[0]))); const x1 = Math.min(W - 1, Math.ceil(Math.max(d0[0], d1[0], d2[0])));
      const y0 = Math.max(0, Math.floor(Math.min(d0[1], d1[1], d2[1]))); const y1 = Math.min(H - 1, Math.ceil(Math.max(d0[1], d1[1], d2[1])));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const q = [x + 0.5, y + 0.5];
          const b0 = area(q, d1, d2) / A; const b1 = area(d0, q, d2) / A; const b2 = 1 - b0 - b1;
          if (b0 < -1e-6 || b1 < -1e-6 || b2 < -1e-6) continue;
          const c = sample(img, b0 * s[0][0] + b1 * s[1][0] + b2 * s[2][0], b0 * s[0][1] + b1 * s[1][1] + b2 * s[2][1]);
          const o = y * W + x;
          for (let k = 0; k < 3; k++) acc[o * 3 + k] += w * c[k];
          weights[o] += w;
        }
      }
    };
    for (let t = 0; t < tri.length; t += 3) {
      const v = [tri[t], tri[t + 1], tri[t + 2]];
      if (!symmetry) { paint(v, v, 1); continue; }
      const mirrored = v.map((i) => mirror[i]);
      const w = visibility(v); const wm = visibility(mirrored);
      paint(v, v, w * w + 1e-3);
      if (w < 0.6) paint(v, mirrored, wm * wm);
    }
    const png = new PNG({ width: W, height: H });
    for (let o = 0; o < W * H; o++) {
      for (let k = 0; k < 3; k++) {
        const outside = use3d ? img.rgb[o * 3 + k] : GREY;
        png.data[o * 4 + k] = weights[o] > 0 ? Math.round(acc[o * 3 + k] / weights[o]) : outside;
      }
      png.data[o * 4 + 3] = 255;
    }
    const file = path.join(outDir, key.replace(/\.[^.]+$/, '.png'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, PNG.sync.write(png));
    out[key] = { file: path.relative(outDir, file), dlib68: MESH_TO_DLIB68.map((i) => D[i]) };
  }
  fs.writeFileSync(path.join(outDir, 'landmarks.json'), JSON.stringify(out));
  console.log(`${Object.values(out).filter((r) => r).length} frontal views -> ${outDir}`);
}

main();
