#!/usr/bin/env python3
"""Python `tokenizers` side of TokenizerBench (scripts/bench/tokenizer.sh). Prints one JSON object.

  train MODE TEXT_FILE OUT_DIR VOCAB_SIZE MIN_FREQUENCY SPECIALS_JSON RUNS
        Trains a byte-level BPE tokenizer RUNS times with BpeTrainer: ByteLevel pre-tokenizer (GPT-2
        regex, no prefix space), all 256 byte chars as the initial alphabet, the special tokens first.
        MODE "lines": tokenizer.train([TEXT_FILE]), which reads the file line by line (so no token can
        hold two newlines); "chunks": tokenizer.train_from_iterator over ~1 MiB pieces of the file cut
        after a newline, the text units our trainFiles splits. Reading the file is timed. Saves the last
        tokenizer as OUT_DIR/tokenizer.json; reports the median seconds. Threads: rayon's default (all
        cores) unless RAYON_NUM_THREADS is set.
  encode TOKENIZER_JSON DOCS_JSONL RUNS IDS_OUT
        Encodes every document ({"text": ...} per line) with tokenizer.encode(text).ids, one document
        at a time on one thread (the caller sets RAYON_NUM_THREADS=1, TOKENIZERS_PARALLELISM=false):
        one untimed pass that writes the ids to IDS_OUT unless it is "-" (per document: uint32 count,
        then the ids as uint32, little-endian) for the caller to compare, then RUNS timed passes;
        reports the median seconds (null for RUNS 0).
"""
import json
import os
import platform
import statistics
import sys
import time
from array import array
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers


def versions():
    return {"tokenizers": tokenizers.__version__, "python": platform.python_version(),
            "rayon_num_threads": os.environ.get("RAYON_NUM_THREADS", "default (all cores)"),
            "tokenizers_parallelism": os.environ.get("TOKENIZERS_PARALLELISM", "unset")}


def chunks(path, size=1 << 20):
    """The file's text in pieces of about `size` chars, each cut after a newline, as our trainFiles reads it."""
    carry = ""
    with open(path, encoding="utf-8", newline="") as f:  # newline="": no \r\n translation
        while True:
            block = f.read(size)
            if not block:
                break
            carry += block
            cut = carry.rfind("\n")
            if cut >= 0 and len(carry) >= size // 2:
                yield carry[:cut + 1]
                carry = carry[cut + 1:]
    if carry:
        yield carry


def train(mode, text_file, out_dir, vocab_size, min_frequency, specials_json, runs):
    specials = json.loads(specials_json)
    times = []
    tok = None
    for _ in range(int(runs)):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=int(vocab_size), min_frequency=int(min_frequency),
                                      special_tokens=specials, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        t0 = time.perf_counter()
        if mode == "lines":
            tok.train([text_file], trainer)
        elif mode == "chunks":
            tok.train_from_iterator(chunks(text_file), trainer)
        else:
            sys.exit(f"unknown train mode {mode!r}: use lines or chunks")
        times.append(time.perf_counter() - t0)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    tok.save(str(Path(out_dir) / "tokenizer.json"))
    print(json.dumps({"median_seconds": statistics.median(times), "seconds": times,
                      "vocab_size": tok.get_vocab_size(), "bytes": os.path.getsize(text_file),
                      **versions()}))


def encode(tokenizer_json, docs_jsonl, runs, ids_out):
    tok = Tokenizer.from_file(tokenizer_json)
    with open(docs_jsonl, "rb") as f:
        texts = [json.loads(line)["text"] for line in f.read().split(b"\n") if line]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)

    # untimed first pass (warms the BPE cache, as the caller's own warm-up pass does), writing the ids if asked
    tokens = 0
    out = open(ids_out, "wb") if ids_out != "-" else None
    try:
        for t in texts:
            ids = tok.encode(t).ids
            tokens += len(ids)
            if out:
                rec = array("I", [len(ids)]) + array("I", ids)
                if sys.byteorder != "little":
                    rec.byteswap()
                out.write(rec.tobytes())
    finally:
        if out:
            out.close()

    times = []
    for _ in range(int(runs)):
        t0 = time.perf_counter()
        n = 0
        for t in texts:
            n += len(tok.encode(t).ids)
        times.append(time.perf_counter() - t0)
        if n != tokens:
            sys.exit(f"run produced {n} tokens, the first pass {tokens}")
    print(json.dumps({"median_seconds": statistics.median(times) if times else None, "seconds": times,
                      "bytes": nbytes, "documents": len(texts), "tokens": tokens,
                      "vocab_size": tok.get_vocab_size(), **versions()}))


if __name__ == "__main__":
    if len(sys.argv) == 9 and sys.argv[1] == "train":
        train(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "encode":
        encode(*sys.argv[2:])
    else:
        sys.exit(__doc__)
