#!/usr/bin/env bash
# Makes the git-ignored virtualenv .venv-optimum (torch + Hugging Face Optimum's ONNX Runtime backend) that
# OptimumParityTest (quantization) runs scripts/parity/optimum_check.py in: the exported ONNX directory must load
# in optimum.onnxruntime.ORTModelForCausalLM as it is and generate Java's greedy tokens.
# Why not .venv-torch: `pip install optimum[onnxruntime]` there cannot keep transformers 5.24.0 — optimum 2.3.0's
# onnxruntime extra needs optimum-onnx, whose only releases (0.0.1-0.1.0) require optimum~=2.0/2.1 and
# transformers<4.58, so pip resolves to optimum 2.1.0 + optimum-onnx 0.1.0 + transformers 4.57.6 and would downgrade
# the transformers that the training round-trip tests pin. This venv holds that resolution instead.
# scripts/test.sh runs this on CI and with AGENTOS_TORCH_TESTS=1; without it OptimumParityTest skips with that reason.
#   mvn -B -o -pl quantization -am test -Dtest=OptimumParityTest -Dsurefire.failIfNoSpecifiedTests=false
# Options: VENV=DIR to put it elsewhere. Versions are pinned below; an existing venv is only topped up.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO/.venv-optimum}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  torch==2.15.0 transformers==4.57.6 optimum==2.1.0 optimum-onnx==0.1.0 onnxruntime==1.23.2 onnx==1.23.2 \
  numpy==2.4.6 tokenizers==0.22.2
"$VENV/bin/python" -c 'import torch, transformers, optimum.onnxruntime, onnxruntime; print("torch", torch.__version__, "transformers", transformers.__version__, "onnxruntime", onnxruntime.__version__, "at", __import__("sys").executable)'
