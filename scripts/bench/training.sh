#!/usr/bin/env bash
# Training step throughput of our loop (LmTrainer on DJL/libtorch) against the same model in plain PyTorch eager
# (scripts/bench/training_peer.py), same threads, same batch, alternating in the same run; the GEMM peak (fp32
# matmul 1024² and 2048², DJL and torch) measured by the same harness; MFU; peak RSS; a per-phase profile of
# our step (data, forward, backward, clip, AdamW) and of PyTorch's; and a 1 x 16-token step (per-op overhead).
# Before timing, a few steps of both from the same weights and windows must give the same losses.
# Prints a table and writes benchmarks/results/training.json.
# Options: --rounds N (3), --warmup N (2), --steps N (5), --batch N (8), --seq N (256), --threads N (2),
# --larger (also hidden 512 x 8 layers; --larger-rounds N (1), --larger-steps N (2)), --check-steps N (3),
# --seed N, --dir DIR (scratch), --keep, --allow-mismatch, --optimizer-only (just the optimizer-phase comparison).
# torch from PyPI is a CUDA build (several GB with its nvidia-* wheels); it runs on the CPU here.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
THREADS=2
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--threads" ] && [ $((i + 1)) -lt ${#args[@]} ]; then THREADS="${args[$((i + 1))]}"; fi
done
bench_venv torch==2.15.0 numpy==2.4.6 safetensors==0.8.0
bench_build
export OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"
JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=$THREADS" \
  run_bench io.llmagentos.benchmarks.training.TrainingBench "$@"
