#!/usr/bin/env bash
# Data prep against Hugging Face datatrove on the same corpus in the same run (issue 4): a field-service corpus from
# `agentos datasets generate` (seeded; reused when present), copied without its malformed lines (datatrove's
# JsonlReader stops reading a file at its first invalid UTF-8 byte, so both sides get only readable documents),
# cut into 4 files per worker (datatrove runs one task per file), then our DataPrep job on Spark local[W] with a JFR recording, then datatrove (scripts/bench/dataprep_peer.py)
# with W workers. Prints a table, writes benchmarks/results/dataprep.json and the JFR's top frames.
# Options: --size SIZE (default 1GB, as `datasets generate --size`), --seed N (42), --workers W (2),
# --dir DIR (scratch, default /tmp/agentos-dataprep-bench; needs ~3x SIZE).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SIZE=1GB SEED=42 WORKERS=2 DIR=/tmp/agentos-dataprep-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
bench_venv "datatrove[processing]==0.10.1" orjson==3.13.0 spacy==3.8.18
(cd "$REPO" && mvn -B -q -DskipTests install -pl pipelines,benchmarks -am)
CORPUS="$DIR/corpus-$SIZE-$SEED"
if [ ! -f "$CORPUS/manifest.json" ]; then
  rm -rf "$CORPUS"
  "$REPO/agentos" datasets generate --size "$SIZE" --seed "$SEED" --out "$CORPUS"
fi
CLEAN="$CORPUS-readable"
if [ ! -f "$CLEAN/.done" ]; then
  rm -rf "$CLEAN"
  "$BENCH_VENV/bin/python" "$REPO/scripts/bench/dataprep_clean_copy.py" "$CORPUS" "$CLEAN" $((WORKERS * 4)) | tee "$CLEAN.counts.json"
  touch "$CLEAN/.done"
fi
JFR="$DIR/ours.jfr"
JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -XX:StartFlightRecording=filename=$JFR,settings=profile" \
  run_bench io.llmagentos.benchmarks.dataprep.DataPrepBench --corpus "$CLEAN" --work "$DIR/work" \
  --workers "$WORKERS" --label ", $(cat "$CLEAN.counts.json")"
echo "== where our job's CPU time goes (JFR execution samples, top frames; $JFR)"
jfr print --events jdk.ExecutionSample "$JFR" \
  | awk '/stackTrace = \[/{getline; sub(/^[ \t]+/, ""); sub(/line:.*/, ""); n[$0]++; t++} END {for (f in n) printf "%6.2f%%  %s\n", 100*n[f]/t, f}' \
  | sort -rn | head -25 | tee "$RESULTS/dataprep-profile.txt"
