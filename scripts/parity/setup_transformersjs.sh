#!/usr/bin/env bash
# Makes the git-ignored .venv-js (npm prefix) with transformers.js (@huggingface/transformers 4.3.1, which runs models
# through onnxruntime-node 1.30.0; its prebuilt CPU binaries come inside the npm package) for TransformersJsParityTest
# (quantization): the exported ONNX directory must load in transformers.js as it is and generate Java's greedy
# tokens. About 470 MB. scripts/test.sh runs this on CI and with AGENTOS_TORCH_TESTS=1; without it the test skips
# with that reason. Needs node >= 18 and npm. Options: PREFIX=DIR to put it elsewhere.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PREFIX="${PREFIX:-$REPO/.venv-js}"
mkdir -p "$PREFIX"
cp "$REPO/scripts/parity/js/package.json" "$PREFIX/package.json"
# onnxruntime-node's postinstall only fetches optional CUDA binaries; the CPU ones are in the package
ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install --prefix "$PREFIX" --no-audit --no-fund --ignore-scripts --loglevel=error
node -e "const v=JSON.parse(require('fs').readFileSync('$PREFIX/node_modules/@huggingface/transformers/package.json')).version; console.log('transformers.js', v, 'at', '$PREFIX')"
