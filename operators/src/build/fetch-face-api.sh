#!/usr/bin/env bash
# Obtains @vladmandic/face-api 1.7.15 with `npm pack`, verifies the tarball against the pinned
# integrity hash, and unpacks the model weights and demo images. Nothing is downloaded at run time.
# Usage: fetch-face-api.sh WORK_DIR MODEL_OUT_DIR DEMO_OUT_DIR
set -euo pipefail
work=$1; models=$2; demo=$3
pkg='@vladmandic/face-api@1.7.15'
tgz_name='vladmandic-face-api-1.7.15.tgz'
integrity='sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw=='
# The nets the project ports; the rest of the package stays out of the jar.
wanted=(face_recognition_model ssd_mobilenetv1_model tiny_face_detector_model face_landmark_68_model face_landmark_68_tiny_model)

if [ -f "$models/.complete" ] && [ -f "$demo/sample1.jpg" ]; then exit 0; fi
command -v npm >/dev/null || { echo "fetch-face-api: npm is required (see README prerequisites)" >&2; exit 1; }
mkdir -p "$work" "$models" "$demo"
cache="${BIOSTREAM_CACHE:-$HOME/.cache/biostream}"
mkdir -p "$cache"
if [ ! -f "$cache/$tgz_name" ]; then
  (cd "$cache" && npm pack --silent "$pkg" >/dev/null)
fi
actual="sha512-$(openssl dgst -sha512 -binary "$cache/$tgz_name" | base64 -w0)"
if [ "$actual" != "$integrity" ]; then
  echo "fetch-face-api: integrity mismatch for $tgz_name: expected $integrity, got $actual" >&2
  rm -f "$cache/$tgz_name"
  exit 1
fi
rm -rf "$work/package"
tar -xzf "$cache/$tgz_name" -C "$work" package/model package/demo
for m in "${wanted[@]}"; do
  cp "$work/package/model/$m-weights_manifest.json" "$work/package/model/$m.bin" "$models/"
done
cp "$work/package/LICENSE" "$models/LICENSE.face-api" 2>/dev/null || true
# The demo photos (group pictures) feed local mode's demo camera and the integration tests.
mkdir -p "$demo"
cp "$work"/package/demo/sample*.jpg "$demo/"
touch "$models/.complete"
echo "fetch-face-api: $pkg verified ($integrity), weights in $models"
