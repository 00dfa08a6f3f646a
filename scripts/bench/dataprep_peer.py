#!/usr/bin/env python3
"""The data-prep benchmark's peer: Hugging Face datatrove doing the steps our Spark job does, on the same files.

  dataprep_peer.py CORPUS_DIR WORK_DIR WORKERS

Pipeline (datatrove's LocalPipelineExecutor, one task per input file, WORKERS processes):
  1. JsonlReader -> normalize (NFC, control characters, whitespace; as our `normalize` settings) ->
     GopherRepetitionFilter -> GopherQualityFilter -> JsonlWriter
  2. exact dedup on the text: ExactDedupSignature -> ExactFindDedups -> ExactDedupFilter
  3. MinHash near-dup: MinhashDedupSignature -> MinhashDedupBuckets -> MinhashDedupCluster -> MinhashDedupFilter,
     5-word shingles, datatrove's default 14 buckets x 8 hashes (ours uses 14 x 4 and then checks each candidate
     pair's Jaccard >= 0.8; datatrove does not verify, and with 4 hashes a bucket it removed 80 % of this corpus)
HTML-to-text, boilerplate lines and PII redaction have no datatrove step in this pipeline; our side reports the
same four steps separately (see DataPrepBench). Prints one JSON line: seconds per stage, CPU seconds (this process
and its worker processes), documents in and kept.
"""
import json
import os
import resource
import re
import sys
import time
import unicodedata

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter
from datatrove.pipeline.dedup import MinhashDedupSignature
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig, ExactDedupFilter, ExactDedupSignature, ExactFindDedups
from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SPACES = re.compile(r"[ \t]+")
BLANKS = re.compile(r"\n{3,}")


class Normalize(PipelineStep):
    """NFC, control characters out, runs of spaces and blank lines collapsed, lines trimmed."""
    name = "normalize"
    type = "formatter"

    def run(self, data, rank=0, world_size=1):
        for doc in data:
            with self.track_time():
                t = unicodedata.normalize("NFC", doc.text)
                t = CONTROL.sub("", t)
                t = "\n".join(SPACES.sub(" ", line).strip() for line in t.split("\n"))
                doc.text = BLANKS.sub("\n\n", t).strip()
            yield doc


def text_of(doc) -> str:
    return doc.text


def count_docs(folder):
    n = 0
    for root, _, files in os.walk(folder):
        for f in files:
            if f.endswith(".jsonl") or f.endswith(".jsonl.gz"):
                import gzip
                opener = gzip.open if f.endswith(".gz") else open
                with opener(os.path.join(root, f), "rt", encoding="utf-8") as fh:
                    n += sum(1 for _ in fh)
    return n


def cpu_seconds():
    """User + system CPU of this process and its reaped children (the executor's worker processes)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def run(stage, steps, tasks, workers, work):
    t = time.perf_counter()
    # start_method "fork" (datatrove's default is "forkserver") makes the workers children of this process, so
    # their CPU time shows in RUSAGE_CHILDREN; it also spares each worker a fresh interpreter start
    LocalPipelineExecutor(pipeline=steps, tasks=tasks, workers=workers, start_method="fork",
                          logging_dir=os.path.join(work, "logs", stage)).run()
    return time.perf_counter() - t


def main(corpus, work, workers):
    workers = int(workers)
    files = sorted(f for f in os.listdir(corpus) if f.endswith(".jsonl"))
    tasks = len(files)
    d = lambda *p: os.path.join(work, *p)
    seconds = {}
    cpu0 = cpu_seconds()
    seconds["read_normalize_gopher"] = run("filter", [
        JsonlReader(corpus, glob_pattern="*.jsonl"),
        Normalize(),
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        JsonlWriter(d("filtered"), compression=None),
    ], tasks, workers, work)
    ex = ExactDedupConfig(content_getter=text_of, hash_config=HashConfig(precision=64))
    t = time.perf_counter()
    run("exact1", [JsonlReader(d("filtered")), ExactDedupSignature(d("exact-sigs"), config=ex)], tasks, workers, work)
    run("exact2", [ExactFindDedups(d("exact-sigs"), d("exact-ids"), config=ex)], 1, 1, work)
    run("exact3", [JsonlReader(d("filtered")), ExactDedupFilter(d("exact-ids"), config=ex),
                   JsonlWriter(d("exact"), compression=None)], tasks, workers, work)
    seconds["exact_dedup"] = time.perf_counter() - t
    mh = MinhashConfig(hash_config=HashConfig(precision=64), n_grams=5, num_buckets=14, hashes_per_bucket=8)
    t = time.perf_counter()
    run("mh1", [JsonlReader(d("exact")), MinhashDedupSignature(d("mh-sigs"), config=mh)], tasks, workers, work)
    run("mh2", [MinhashDedupBuckets(d("mh-sigs"), d("mh-buckets"), config=mh)], mh.num_buckets,
        min(workers, mh.num_buckets), work)
    run("mh3", [MinhashDedupCluster(d("mh-buckets"), d("mh-ids"), config=mh)], 1, 1, work)
    run("mh4", [JsonlReader(d("exact")), MinhashDedupFilter(d("mh-ids")), JsonlWriter(d("final"), compression=None)],
        tasks, workers, work)
    seconds["near_dedup"] = time.perf_counter() - t
    seconds["total"] = sum(seconds.values())
    cpu = cpu_seconds() - cpu0
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "files": tasks, "workers": workers,
                      "after_filters": count_docs(d("filtered")), "after_exact": count_docs(d("exact")),
                      "kept": count_docs(d("final"))}))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
