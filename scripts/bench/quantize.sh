#!/usr/bin/env bash
# INT8 side by side: our Java quantizer vs ONNX Runtime's Python quantizer (onnxruntime.quantization
# quantize_dynamic / quantize_static, installed here into .venv-bench) on the same FP32 model and the same
# calibration token sequences, with FP32 as the baseline. Every row is measured by the same Java code: bytes on
# disk, eval perplexity, prefill and decode tokens/s in ONNX Runtime Java (batch 1, 2 intra-op threads),
# quantization time (calibration included) and decode against the memory-bandwidth bound. The CPU's SIMD flags
# (AVX2, AVX-512, VNNI) are printed with the numbers. Prints a table and writes benchmarks/results/quantize.json.
# Needs a trained export: run ./agentos demo first (it writes runs/demo-*/teacher-onnx), or pass --model DIR.
# Options: --model DIR --calibration FILE --eval FILE --eval-samples N (200) --calib-samples N (0 = all)
#          --large (also the ~100M random config) --no-trained --prompt N (128) --decode N (64) --runs N (5)
#          --warmup N (1) --threads N (2) --dir DIR --keep
# The measurement waits for /tmp/agentos-bench.lock, so it never overlaps another benchmark on this machine.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
THREADS=2
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--threads" ] && [ $((i + 1)) -lt ${#args[@]} ]; then THREADS="${args[$((i + 1))]}"; fi
done
bench_venv onnxruntime==1.23.2 onnx==1.23.2 numpy==2.4.6
(cd "$REPO" && mvn -B -q -DskipTests package -pl benchmarks -am)
export OMP_NUM_THREADS="$THREADS"
echo "== waiting for the benchmark lock /tmp/agentos-bench.lock"
exec flock /tmp/agentos-bench.lock \
  java -Xmx8g -cp "$REPO/benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:$REPO/benchmarks/target/lib/*" \
    -Dagentos.bench.python="$BENCH_VENV/bin/python" -Dagentos.bench.results="$RESULTS" \
    -Dagentos.repo.root="$REPO" io.llmagentos.benchmarks.onnx.QuantizeBench "$@"
