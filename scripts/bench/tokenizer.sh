#!/usr/bin/env bash
# Byte-level BPE against Python tokenizers (Rust) on the same text in the same run: encode throughput on one
# thread (a tokenizer Python trains here, 32k vocab, and the GPT-2 fixture; ids checked equal first) and BPE
# training time on ~50 MB (vocab 32000, min frequency 2, same special tokens). Text: the datasets-sample
# field-service corpus, generated with seed 42. Prints a table and writes benchmarks/results/tokenizer.json.
# Options: --encode-mb N (default 20), --train-mb N (50), --runs N (encode rounds, 5), --train-runs N (3),
# --train-threads N (default all cores, both sides), --vocab N, --min-frequency N, --seed N,
# --corpus FILE.jsonl[.gz] (repeatable; instead of generating), --dir DIR (scratch, default /tmp; needs
# ~3 x max(encode, train) MB), --allow-mismatch (report speed even if ids differ), --keep (keep scratch files).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_venv tokenizers==0.23.3
bench_build
run_bench io.llmagentos.benchmarks.tokenizer.TokenizerBench "$@"
