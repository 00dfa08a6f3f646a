#!/usr/bin/env bash
# Evaluation throughput (tokens through the model per second) on the bundled eval set, one exported ONNX model of the
# demo-teacher shape: local evaluation (one ONNX Runtime session, 2 and 1 intra-op threads) against Spark local[2]
# (2 partitions, one 1-thread session each), and the perplexity + multiple-choice part against Python onnxruntime +
# numpy (scripts/parity/eval_check.py; onnxruntime, numpy and tokenizers installed here into .venv-bench). Spark's
# numbers are checked equal to local's, Python's perplexity within 1e-3, before anything is reported.
# Prints a table and writes benchmarks/results/eval.json (load average before and after included).
# Options: --max-per-type N (0 = the whole set) --runs N (3) --warmup N (1) --vocab N (2048)
# The measurement waits for /tmp/agentos-bench.lock, so it never overlaps another benchmark on this machine.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_venv onnxruntime==1.23.2 numpy==2.4.6 tokenizers==0.23.3
(cd "$REPO" && mvn -B -q -DskipTests package -pl benchmarks -am)
export OMP_NUM_THREADS=2
echo "== waiting for the benchmark lock /tmp/agentos-bench.lock"
uptime
flock /tmp/agentos-bench.lock \
  java -Xmx8g -cp "$REPO/benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:$REPO/benchmarks/target/lib/*" \
    -Dagentos.bench.python="$BENCH_VENV/bin/python" -Dagentos.bench.results="$RESULTS" \
    -Dagentos.repo.root="$REPO" io.llmagentos.benchmarks.eval.EvalBench "$@"
uptime
