#!/usr/bin/env bash
# Scheduling overhead of the pipeline executor per step: a 100-step DAG of no-op steps on a SQLite metadata DB,
# in-process and in child JVMs (each a JVM start), a fresh run and a re-run that is all cache hits, plus a 100-step
# chain. No peers. Prints a table and writes benchmarks/results/pipelines.json.
# Options: --steps N (100), --child-steps N (100), --parallel N (4), --dir DIR (scratch).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_build
run_bench io.llmagentos.benchmarks.pipelines.PipelineBench "$@"
