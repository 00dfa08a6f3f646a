#!/usr/bin/env bash
# Makes the git-ignored virtualenv .venv-torch (torch + transformers + peft) that TransformersRoundTripTest and
# PeftRoundTripTest (training) run scripts/parity/llama_check.py and peft_check.py in. scripts/test.sh runs this on CI
# and with AGENTOS_TORCH_TESTS=1: the test .venv does not carry torch (several GB from PyPI, CUDA libraries
# included); without this interpreter those tests skip visibly. To run them alone:
#   mvn -B -o -pl training -am test -Dtest="TransformersRoundTripTest,PeftRoundTripTest" -Dsurefire.failIfNoSpecifiedTests=false \
#       -Dagentos.python.torch="$PWD/.venv-torch/bin/python"
# Options: VENV=DIR to put it elsewhere. Versions are pinned below; an existing venv is only topped up.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO/.venv-torch}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  torch==2.15.0 transformers==5.24.0 peft==0.21.2 safetensors==0.8.0 numpy==2.4.6
"$VENV/bin/python" -c 'import torch, transformers, peft, safetensors; print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__, "at", __import__("sys").executable)'
