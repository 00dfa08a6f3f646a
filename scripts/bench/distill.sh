#!/usr/bin/env bash
# Knowledge distillation on the sample data (DistillBench): step time of online KD and of offline top-k KD against
# plain training of the same student, the one-off cost of the teacher's top-k store, and the ablation — the same
# student, steps, windows and seeds trained without KD (alpha 1) and with it (online, offline) — with validation
# perplexity, eval-set task accuracy and retention of the teacher. Prints a table, writes benchmarks/results/distill.json.
#
# Data: an `agentos demo` run directory (its data-prep token shards, tokenizer, eval set and teacher). Give one with
# --data DIR, or the script runs `./agentos demo` once into $DISTILL_BENCH_DEMO (default runs/distill-bench-demo).
# Options (passed to the harness): --teacher DIR, --teacher-steps N (pretrain the ablation's own teacher for N steps
# instead of using the demo's), --student-config FILE (configs/distill/student-half.yaml), --student-steps N (600),
# --timing-steps N (12), --rounds N (3), --alpha A (0.5), --temperature T (2), --top-k K (32), --seeds 42,43,
# --variants plain,online,offline[,online-hidden], --seeds-for VARIANT=S1,S2 (a variant on fewer seeds), --windows N
# (training windows of the ablation, 0 = all; default student-steps x batch), --batch N (8), --mc-prompt question|cloze
# (the eval's multiple-choice form), --eval FILE (default: the demo's eval set), --lr LR, --min-lr LR, --parts timing,ablation
# (the step-time part needs the bench lock, the ablation only nice), --tag TAG (results file distill[-part][-TAG].json),
# --store DIR (a teacher top-k store shared by several invocations), --threads N (2), --work DIR, --keep,
# --kd-set distill.KEY=VALUE (repeatable; a distillation setting for the KD variants only, e.g. distill.hidden_loss=cosine).
# Wrap the timing part as every benchmark: flock /tmp/agentos-bench.lock bash scripts/bench/distill.sh --parts timing ...
# The ablation of docs/benchmarks.md ("Distillation"): its teacher is configs/train/kd-teacher.yaml, its student
# configs/distill/student-kd-ablation.yaml (the commands are in that section).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
THREADS=2
HAS_DATA=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--threads" ] && [ $((i + 1)) -lt ${#args[@]} ]; then THREADS="${args[$((i + 1))]}"; fi
  if [ "${args[$i]}" = "--data" ]; then HAS_DATA=1; fi
done
bench_build
if [ "$HAS_DATA" = 0 ]; then
  DEMO_PARENT="${DISTILL_BENCH_DEMO:-$REPO/runs/distill-bench-demo}"
  DEMO=$(ls -d "$DEMO_PARENT"/demo-* 2>/dev/null | tail -1 || true)
  if [ -z "$DEMO" ]; then
    (cd "$REPO" && mvn -B -q -DskipTests package -pl pipelines -am)
    (cd "$REPO" && ./agentos demo --out "$DEMO_PARENT")
    DEMO=$(ls -d "$DEMO_PARENT"/demo-* | tail -1)
  fi
  set -- --data "$DEMO" "$@"
fi
export OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"
JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=$THREADS -Dai.djl.pytorch.num_interop_threads=$THREADS" \
  run_bench io.llmagentos.benchmarks.distill.DistillBench "$@"
