# Sourced by the benchmark scripts in this folder. Builds the benchmarks module, makes the
# git-ignored peer virtualenv .venv-bench (peers such as Python tokenizers are installed here,
# never by the product or by mvn test) and defines run_bench MAIN_CLASS ARGS...
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_VENV="${BENCH_VENV:-$REPO/.venv-bench}"  # BENCH_VENV=DIR reuses another virtualenv (e.g. .venv-torch)
RESULTS="$REPO/benchmarks/results"

bench_venv() { # bench_venv PIP_SPEC...
  if [ ! -x "$BENCH_VENV/bin/python" ]; then
    python3 -m venv "$BENCH_VENV"
  fi
  "$BENCH_VENV/bin/pip" install -q --disable-pip-version-check "$@"
}

bench_build() {
  (cd "$REPO" && mvn -B -q -DskipTests install -pl benchmarks -am)
}

run_bench() { # run_bench MAIN_CLASS ARGS...
  local main="$1"; shift
  java -Xmx8g -cp "$REPO/benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:$REPO/benchmarks/target/lib/*" \
    -Dagentos.bench.python="$BENCH_VENV/bin/python" -Dagentos.bench.results="$RESULTS" \
    -Dagentos.repo.root="$REPO" "$main" "$@"
}
