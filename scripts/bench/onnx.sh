#!/usr/bin/env bash
# Prefill and decode tokens/s of exported models in ONNX Runtime Java (batch 1, 2 intra-op threads) on the demo
# teacher's shape and on a ~100M-parameter random config, against the memory-bandwidth bound (model bytes /
# read bandwidth measured by the same harness), with the CPU's SIMD flags (AVX2, AVX-512, VNNI) printed beside
# every number. FP32 rows today; INT8 variants add rows to the same table (OnnxBench.VARIANTS).
# Prints a table and writes benchmarks/results/onnx.json. About 3 minutes on 2 cores.
# Options: --models demo-teacher,100m --prompt N (128) --decode N (64) --runs N (3) --warmup N (1) --threads N (2)
#          --dir DIR (keep models between runs with --keep) --keep
# The measurement waits for /tmp/agentos-bench.lock, so it never overlaps another benchmark on this machine.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RESULTS="$REPO/benchmarks/results"
(cd "$REPO" && mvn -B -q -DskipTests package -pl benchmarks -am)
echo "== waiting for the benchmark lock /tmp/agentos-bench.lock"
exec flock /tmp/agentos-bench.lock \
  java -Xmx8g -cp "$REPO/benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:$REPO/benchmarks/target/lib/*" \
    -Dagentos.bench.results="$RESULTS" -Dagentos.repo.root="$REPO" \
    io.llmagentos.benchmarks.onnx.OnnxBench "$@"
