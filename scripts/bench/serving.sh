#!/usr/bin/env bash
# Serving on ONNX Runtime: single-stream decode tokens/s against the memory-bandwidth bound, time to first
# token, and aggregate tokens/s of 1, 4 and 16 concurrent HTTP streams (continuous batching). Prints a table and
# writes benchmarks/results/serving.json (--name NAME: NAME.json).
# Options: --model DIR (an exported FP32 or INT8 model; repeat it to compare; default: a random-weight
# --preset model exported here), --preset NAME (demo-teacher|demo-student|gpu-teacher, default demo-teacher),
# --int8 (with the random --preset export: also its dynamic INT8 by our quantizer, side by side),
# --tokens N per stream (default 64), --runs N (default 3), --threads N (ONNX Runtime intra-op threads),
# --spin (idle ONNX Runtime threads spin, as ONNX Runtime's own default; the server's default is off).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_build
run_bench io.llmagentos.benchmarks.serving.ServingBench "$@"
