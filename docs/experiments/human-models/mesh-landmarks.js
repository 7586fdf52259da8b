// @vladmandic/human's BlazeFace detector and 468-point face mesh on every image of a set (each in
// biostream's 25% black border), written as JSON keyed "identity/file": the largest face's score,
// box, head rotation (radians), the mesh mapped to dlib's 68 points, and optionally the whole mesh
// and human's own face descriptor. null where no face was found.
//   node mesh-landmarks.js SET_DIR BORDER OUT.json [--detector MODEL.json] [--full-mesh]
//        [--descriptor faceres.json|faceres-deep.json|mobilefacenet.json]
const fs = require('fs');
const path = require('path');
const { bordered, setImages, serveFileUrls, MODELS } = require('./images');

const { MESH_TO_DLIB68 } = require('./mesh-dlib68');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

async function main() {
  const [dir, border, out] = [process.argv[2], parseFloat(process.argv[3]), process.argv[4]];
  if (!dir || !(border >= 0) || !out) throw new Error('usage: node mesh-landmarks.js SET_DIR BORDER OUT.json [options]');
  const descriptor = option('--descriptor', null);
  serveFileUrls();
  const { Human } = require(path.resolve(__dirname, 'node_modules/@vladmandic/human/dist/human.node-wasm.js'));
  const human = new Human({
    backend: 'wasm', debug: false, cacheSensitivity: 0,
    modelBasePath: 'file://' + MODELS + '/',
    wasmPath: 'file://' + path.resolve(__dirname, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/',
    face: {
      enabled: true,
      detector: { modelPath: option('--detector', 'blazeface.json'), rotation: true, maxDetected: 3, minConfidence: 0.05,
        iouThreshold: 0.1, return: false, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true }, attention: { enabled: false }, iris: { enabled: false },
      description: { enabled: descriptor !== null && descriptor.startsWith('faceres'), modelPath: descriptor || 'faceres.json' },
      mobilefacenet: { enabled: descriptor === 'mobilefacenet.json', modelPath: 'mobilefacenet.json' },
      emotion: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false },
    },
    body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false },
    segmentation: { enabled: false }, filter: { enabled: false },
  });
  await human.load();
  const result = {};
  for (const key of setImages(dir)) {
    const img = bordered(path.join(dir, key), border);
    const input = human.tf.tensor4d(img.rgb, [1, img.h, img.w, 3]);
    const detected = await human.detect(input);
    input.dispose();
    const faces = (detected.face || []).filter((f) => f.mesh && f.mesh.length >= 468)
      .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    if (faces.length === 0) { result[key] = null; continue; }
    const f = faces[0];
    result[key] = {
      score: f.score, box: f.box, rotation: f.rotation && f.rotation.angle,
      dlib68: MESH_TO_DLIB68.map((i) => [f.mesh[i][0], f.mesh[i][1]]),
      mesh: process.argv.includes('--full-mesh') ? f.mesh : undefined,
      embedding: descriptor ? f.embedding : undefined,
    };
  }
  fs.writeFileSync(out, JSON.stringify(result));
  const found = Object.values(result).filter((r) => r).length;
  console.log(`${found} of ${Object.keys(result).length} images with a face mesh -> ${out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
