#!/usr/bin/env bash
# Safetensors read throughput (~1 GiB file of F32 + BF16 tensors, page cache warm): ours via zero-copy
# bytes() and via readFloats(), a plain FileChannel read (the copy limit), and Python
# safetensors.numpy.load_file. Prints a table and writes benchmarks/results/safetensors-read.json.
# Options: --mib N (file size, default 1024), --runs N (default 5), --dir DIR (scratch, default /tmp;
# needs 2 x N MiB free).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_venv safetensors==0.8.0 numpy
bench_build
run_bench io.llmagentos.benchmarks.safetensors.SafetensorsReadBench "$@"
