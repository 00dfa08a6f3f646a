#!/usr/bin/env bash
# The test command (README command 2, and what .ci/run calls): makes the git-ignored test virtualenv
# .venv with the Python packages the parity tests compare against, then runs every test suite.
# Extra arguments go to Maven, e.g. scripts/test.sh -pl core -Dtest='*Tokenizer*'.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
REQ="scripts/requirements-test.txt"
STAMP=".venv/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "== setting up the test virtualenv .venv ($REQ)"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
  echo "$want" > "$STAMP"
fi
# torch + transformers + peft (5.6 GB, ~3 minutes to install) for the transformers and PEFT round-trip tests:
# always on CI, on request elsewhere (AGENTOS_TORCH_TESTS=1); without it those tests skip with the reason.
if [ "${CI:-}" = "true" ] || [ "${AGENTOS_TORCH_TESTS:-}" = "1" ]; then
  TORCH_STAMP=".venv-torch/.setup.sha256"
  want_torch="$(sha256sum scripts/parity/setup_torch_venv.sh | cut -d' ' -f1)"
  if [ ! -x .venv-torch/bin/python ] || [ "$(cat "$TORCH_STAMP" 2>/dev/null)" != "$want_torch" ]; then
    echo "== setting up the torch virtualenv .venv-torch (scripts/parity/setup_torch_venv.sh)"
    bash scripts/parity/setup_torch_venv.sh
    echo "$want_torch" > "$TORCH_STAMP"
  fi
  # Optimum (ORTModelForCausalLM) for the ONNX export round trip: its own venv, since its onnxruntime extra pins
  # transformers<4.58 (see scripts/parity/setup_optimum_venv.sh)
  OPT_STAMP=".venv-optimum/.setup.sha256"
  want_opt="$(sha256sum scripts/parity/setup_optimum_venv.sh | cut -d' ' -f1)"
  if [ ! -x .venv-optimum/bin/python ] || [ "$(cat "$OPT_STAMP" 2>/dev/null)" != "$want_opt" ]; then
    echo "== setting up the Optimum virtualenv .venv-optimum (scripts/parity/setup_optimum_venv.sh)"
    bash scripts/parity/setup_optimum_venv.sh
    echo "$want_opt" > "$OPT_STAMP"
  fi
  # transformers.js (Node) for the same round trip in JavaScript
  JS_STAMP=".venv-js/.setup.sha256"
  want_js="$(cat scripts/parity/setup_transformersjs.sh scripts/parity/js/package.json | sha256sum | cut -d' ' -f1)"
  if [ ! -d .venv-js/node_modules/@huggingface/transformers ] || [ "$(cat "$JS_STAMP" 2>/dev/null)" != "$want_js" ]; then
    echo "== setting up transformers.js in .venv-js (scripts/parity/setup_transformersjs.sh)"
    bash scripts/parity/setup_transformersjs.sh
    echo "$want_js" > "$JS_STAMP"
  fi
fi
# PostgreSQL from Debian's packages for the pipelines' PostgreSQL tests (each test starts its own throwaway
# cluster on 127.0.0.1 with initdb + pg_ctl as the unprivileged postgres user): installed on CI, and wherever we
# are root and it is missing; elsewhere those tests skip with the reason.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && { [ "${CI:-}" = "true" ] || [ "${AGENTOS_PG_TESTS:-}" = "1" ]; }; then
    echo "== installing PostgreSQL (apt-get install -y postgresql)"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
fi
# Chromium from Debian's packages for evaluation's HTML report test (headless: it screenshots report.html and reads
# its DOM): installed the same way, on CI or with AGENTOS_CHROMIUM_TESTS=1 when we are root; elsewhere that test skips
# with the reason.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && { [ "${CI:-}" = "true" ] || [ "${AGENTOS_CHROMIUM_TESTS:-}" = "1" ]; }; then
    echo "== installing Chromium (apt-get install -y chromium)"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
fi
echo "== mvn verify (unit, integration and parity tests)"
exec mvn -B verify "$@"
